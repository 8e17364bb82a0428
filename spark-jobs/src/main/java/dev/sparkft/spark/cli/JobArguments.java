package dev.sparkft.spark.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments every job takes after its name, {@code --config FILE [--set key.path=value ...]}, plus the
 * job's own flags (e.g. {@code --resume}) and valued options (e.g. {@code --min-metric accuracy=0.95}), parsed.
 * {@code config} is a local path or a Hadoop FileSystem URI.
 *
 * @param flags   the job's flags that were given
 * @param options the job's valued options that were given, by name (the last one wins)
 */
record JobArguments(String config, List<String> overrides, Set<String> flags, Map<String, String> options) {

    JobArguments {
        overrides = List.copyOf(overrides);
        flags = Set.copyOf(flags);
        options = Map.copyOf(options);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /**
     * Parses a job's arguments; fails with a one-line message ending in {@code usage}.
     *
     * @param flagNames   the flags this job knows (e.g. {@code --resume})
     * @param optionNames the valued options this job knows (e.g. {@code --min-metric})
     */
    static JobArguments parse(List<String> args, Set<String> flagNames, Set<String> optionNames, String usage) {
        String config = null;
        List<String> overrides = new ArrayList<>();
        Set<String> flags = new HashSet<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            int eq = a.indexOf('=');
            String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            boolean inline = !name.equals(a);
            if (flagNames.contains(name) && !inline) {
                flags.add(name);
                continue;
            }
            boolean valued = name.equals("--config") || name.equals("--set") || optionNames.contains(name);
            if (!valued) {
                throw new IllegalArgumentException("unknown argument '" + a + "'; " + usage);
            }
            String value = inline ? a.substring(eq + 1) : value(args, ++i, name, usage);
            switch (name) {
                case "--config" -> config = value;
                case "--set" -> overrides.add(value);
                default -> options.put(name, value);
            }
        }
        if (config == null) {
            throw new IllegalArgumentException("--config FILE is required; " + usage);
        }
        return new JobArguments(config, overrides, flags, options);
    }

    private static String value(List<String> args, int i, String option, String usage) {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value; " + usage);
        }
        return args.get(i);
    }
}

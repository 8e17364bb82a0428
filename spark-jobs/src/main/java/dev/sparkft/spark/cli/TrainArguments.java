package dev.sparkft.spark.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code train --config FILE [--set key.path=value ...] [--resume]}, parsed. */
record TrainArguments(Path config, List<String> overrides, boolean resume) {

    static final String USAGE = "usage: sparkft train --config FILE [--set key.path=value ...] [--resume]";

    TrainArguments {
        overrides = List.copyOf(overrides);
    }

    /** Parses the arguments after the {@code train} command; fails with a one-line message. */
    static TrainArguments parse(List<String> args) {
        Path config = null;
        List<String> overrides = new ArrayList<>();
        boolean resume = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--config" -> config = Path.of(value(args, ++i, a));
                case "--set" -> overrides.add(value(args, ++i, a));
                case "--resume" -> resume = true;
                default -> {
                    if (a.startsWith("--set=")) {
                        overrides.add(a.substring("--set=".length()));
                    } else if (a.startsWith("--config=")) {
                        config = Path.of(a.substring("--config=".length()));
                    } else {
                        throw new IllegalArgumentException("unknown argument '" + a + "'; " + USAGE);
                    }
                }
            }
        }
        if (config == null) {
            throw new IllegalArgumentException("--config FILE is required; " + USAGE);
        }
        return new TrainArguments(config, overrides, resume);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value; " + USAGE);
        }
        return args.get(i);
    }
}

package dev.sparkft.data.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --key value} command lines of the data-preparation entry points. */
final class CommandLine {

    private CommandLine() {
    }

    /** {@code defaults} overridden by {@code args}; an option outside {@code known}, or without a value, is an error. */
    static Map<String, String> parse(String[] args, Map<String, String> defaults, List<String> known) {
        Map<String, String> values = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            if (!known.contains(args[i])) {
                throw new IllegalArgumentException("unknown option '" + args[i] + "'; known: " + known);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            values.put(args[i], args[i + 1]);
        }
        return values;
    }

    /** {@code train=0.8,validation=0.2} as split name to fraction, in order. */
    static Map<String, Double> splits(String spec) {
        Map<String, Double> splits = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--splits entry '" + part + "' is not name=fraction");
            }
            splits.put(kv[0].strip(), Double.parseDouble(kv[1].strip()));
        }
        return splits;
    }
}

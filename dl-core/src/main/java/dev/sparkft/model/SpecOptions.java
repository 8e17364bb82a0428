package dev.sparkft.model;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Strict, typed reads of a {@link ModelSpec}'s options for an engine: every read marks its key as known,
 * and {@link #rejectUnknown()} fails naming any key nobody read (a typo must not be silently ignored).
 */
public final class SpecOptions {
    private final String prefix;
    private final Map<String, Object> options;
    private final Set<String> read = new LinkedHashSet<>();

    public SpecOptions(String prefix, Map<String, Object> options) {
        this.prefix = prefix;
        this.options = options;
    }

    public String string(String key, String dflt) {
        Object v = raw(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (!(v instanceof String s)) {
            throw typeError(key, "a string", v);
        }
        return s;
    }

    /** One of {@code values}, by the name {@code name} gives it; an unknown name fails listing the choices. */
    public <E> E choice(String key, E dflt, E[] values, Function<E, String> name) {
        String given = string(key, dflt == null ? null : name.apply(dflt));
        for (E e : values) {
            if (name.apply(e).equals(given)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown option '" + prefix + key + "' value '" + given + "'; use one of "
                + Arrays.stream(values).map(name).toList());
    }

    public int integer(String key, Integer dflt) {
        Object v = raw(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        if (v instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw typeError(key, "an integer", v);
            }
        }
        throw typeError(key, "an integer", v);
    }

    public double number(String key, Double dflt) {
        Object v = raw(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw typeError(key, "a number", v);
            }
        }
        throw typeError(key, "a number", v);
    }

    public boolean bool(String key, Boolean dflt) {
        Object v = raw(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.parseBoolean((String) v);
        }
        throw typeError(key, "true or false", v);
    }

    @SuppressWarnings("unchecked")
    public List<Object> list(String key, List<Object> dflt) {
        Object v = raw(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (!(v instanceof List<?> l)) {
            throw typeError(key, "a list", v);
        }
        return (List<Object>) l;
    }

    /** A nested map of options ({@code lora: {rank: 8}}), or null when the key is absent. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> map(String key) {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw typeError(key, "a map of options", v);
        }
        return (Map<String, Object>) m;
    }

    /** Fails naming every option key that no read asked for. */
    public void rejectUnknown() {
        for (String k : options.keySet()) {
            if (!read.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + prefix + k + "'; known: " + read);
            }
        }
    }

    private Object raw(String key) {
        read.add(key);
        return options.get(key);
    }

    private <T> T require(String key, T dflt) {
        if (dflt == null) {
            throw new IllegalArgumentException("missing required option '" + prefix + key + "'");
        }
        return dflt;
    }

    private IllegalArgumentException typeError(String key, String expected, Object v) {
        return new IllegalArgumentException(
                "option '" + prefix + key + "' must be " + expected + ", got '" + v + "'");
    }
}

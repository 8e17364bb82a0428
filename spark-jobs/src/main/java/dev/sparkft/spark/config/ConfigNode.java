package dev.sparkft.spark.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict, typed reads of one section of a config tree. Every read marks its key as known, so
 * {@link #rejectUnknown()} can name any key nobody asked for; errors carry the full key path.
 */
final class ConfigNode {
    private final String path;
    private final ObjectNode node;
    private final Set<String> read = new LinkedHashSet<>();

    private ConfigNode(String path, ObjectNode node) {
        this.path = path;
        this.node = node;
    }

    static ConfigNode root(ObjectNode node) {
        return new ConfigNode("", node);
    }

    boolean has(String key) {
        read.add(key);
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    /** A nested section; an absent key reads as an empty section (all defaults). */
    ConfigNode section(String key) {
        JsonNode v = value(key);
        if (v == null) {
            return new ConfigNode(full(key) + ".", JsonNodeFactory.instance.objectNode());
        }
        if (!v.isObject()) {
            throw typeError(key, "a section (key: value pairs)", v);
        }
        return new ConfigNode(full(key) + ".", (ObjectNode) v);
    }

    /** A list of sections, each read with its index in its path ({@code key[0].name}); absent reads as empty. */
    List<ConfigNode> sectionList(String key) {
        JsonNode v = value(key);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw typeError(key, "a list of sections", v);
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isObject()) {
                throw new IllegalArgumentException("key '" + full(key) + "[" + i + "]' must be a section (key: value"
                        + " pairs), got " + v.get(i));
            }
            out.add(new ConfigNode(full(key) + "[" + i + "].", (ObjectNode) v.get(i)));
        }
        return out;
    }

    String string(String key, String dflt) {
        JsonNode v = value(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (!v.isTextual()) {
            throw typeError(key, "a string", v);
        }
        return v.textValue();
    }

    long longValue(String key, Long dflt) {
        JsonNode v = value(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        }
        if (v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue()) && Math.abs(v.doubleValue()) < 1e15) {
            return (long) v.doubleValue();
        }
        throw typeError(key, "an integer", v);
    }

    int integer(String key, Integer dflt) {
        long v = longValue(key, dflt == null ? null : dflt.longValue());
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("key '" + full(key) + "' is out of range for an integer: " + v);
        }
        return (int) v;
    }

    boolean bool(String key, Boolean dflt) {
        JsonNode v = value(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (!v.isBoolean()) {
            throw typeError(key, "true or false", v);
        }
        return v.booleanValue();
    }

    double number(String key, Double dflt) {
        JsonNode v = value(key);
        if (v == null) {
            return require(key, dflt);
        }
        if (!v.isNumber()) {
            throw typeError(key, "a number", v);
        }
        return v.doubleValue();
    }

    /** A list of strings; an absent key reads as an empty list. */
    List<String> stringList(String key) {
        JsonNode v = value(key);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw typeError(key, "a list of strings", v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isValueNode() || x.isNull()) {
                throw typeError(key, "a list of strings", v);
            }
            out.add(x.asText());
        }
        return out;
    }

    /** A free-form section as plain Java values (maps, lists, strings, numbers, booleans), e.g. model options. */
    Map<String, Object> plainMap(String key) {
        ConfigNode s = section(key);
        return toPlainMap(s.node);
    }

    /** Fails naming the first key in this section that no read asked for. */
    void rejectUnknown() {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!read.contains(k)) {
                throw new IllegalArgumentException("unknown key '" + full(k) + "'; known keys"
                        + (path.isEmpty() ? "" : " in '" + path.substring(0, path.length() - 1) + "'") + ": " + read);
            }
        }
    }

    private JsonNode value(String key) {
        read.add(key);
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    String full(String key) {
        return path + key;
    }

    private <T> T require(String key, T dflt) {
        if (dflt == null) {
            throw new IllegalArgumentException("missing required key '" + full(key) + "'");
        }
        return dflt;
    }

    private IllegalArgumentException typeError(String key, String expected, JsonNode v) {
        return new IllegalArgumentException("key '" + full(key) + "' must be " + expected + ", got " + v);
    }

    private static Map<String, Object> toPlainMap(ObjectNode n) {
        Map<String, Object> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), toPlain(e.getValue())));
        return out;
    }

    private static Object toPlain(JsonNode v) {
        if (v.isObject()) {
            return toPlainMap((ObjectNode) v);
        }
        if (v.isArray()) {
            List<Object> out = new ArrayList<>();
            v.forEach(x -> out.add(toPlain(x)));
            return out;
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToInt() ? (Object) v.intValue() : (Object) v.longValue();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        return v.isNull() ? null : v.asText();
    }
}

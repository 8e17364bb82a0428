package dev.sparkft.model;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What to build, sent from the driver to executors: the engine's name and its options (plain JSON-like
 * values: strings, numbers, booleans, lists, maps). Each engine parses the options into its own typed
 * config and rejects keys it does not know, naming them.
 */
public record ModelSpec(String engine, Map<String, Object> options) implements Serializable {

    public ModelSpec {
        if (engine == null || engine.isBlank()) {
            throw new IllegalArgumentException("model.engine is required (e.g. dl4j, djl-pytorch)");
        }
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options == null ? Map.of() : options));
    }

    /** A key used to cache one built model per executor JVM and spec. */
    public String cacheKey() {
        return engine + options;
    }
}

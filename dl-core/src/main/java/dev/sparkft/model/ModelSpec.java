package dev.sparkft.model;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the user asked for ({@code model} in the run's config): the engine's name and its options (plain
 * JSON-like values: strings, numbers, booleans, lists, maps), which may name files (weights, a config.json).
 * Driver side only: {@link ModelEngine#resolve} parses the options strictly (unknown keys fail, named) and
 * reads those files; executors receive the resulting {@link ModelArchitecture}, never this.
 */
public record ModelSpec(String engine, Map<String, Object> options) implements Serializable {

    public ModelSpec {
        if (engine == null || engine.isBlank()) {
            throw new IllegalArgumentException("model.engine is required (e.g. dl4j, djl-pytorch)");
        }
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options == null ? Map.of() : options));
    }
}

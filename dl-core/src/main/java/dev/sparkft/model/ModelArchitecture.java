package dev.sparkft.model;

import java.io.Serializable;

/**
 * What executors receive to build a model: the engine's name and its path-free architecture. The starting
 * weights are not in it (they travel as the round's parameters); nor is any path, so an executor never opens a
 * file of the user's and a Hugging Face folder need exist only where the driver runs.
 */
public record ModelArchitecture(String engine, EngineArchitecture details) implements Serializable {

    public ModelArchitecture {
        if (engine == null || engine.isBlank() || details == null) {
            throw new IllegalArgumentException("a model architecture needs an engine name and the engine's details");
        }
    }

    /** The details as {@code type}; fails naming both engines' types when another engine's were given. */
    public <T extends EngineArchitecture> T details(Class<T> type) {
        if (!type.isInstance(details)) {
            throw new IllegalArgumentException("model architecture of engine '" + engine + "' holds "
                    + details.getClass().getSimpleName() + ", not the " + type.getSimpleName() + " this engine builds");
        }
        return type.cast(details);
    }

    /** A key used to cache one built model per executor JVM and architecture. */
    public String cacheKey() {
        return engine + details;
    }
}

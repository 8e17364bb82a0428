package dev.sparkft.model;

import java.io.Serializable;

/**
 * What executors receive to build a model: the engine's name, its path-free architecture and, for a model with
 * frozen weights (LoRA), those weights by reference ({@link FrozenParameters}: a broadcast on Spark). The trained
 * starting weights are not in it (they travel as the round's parameters); nor is any path, so an executor never
 * opens a file of the user's and a Hugging Face folder need exist only where the driver runs.
 *
 * @param frozen the model's frozen parameters, or null when it has none
 */
public record ModelArchitecture(String engine, EngineArchitecture details, FrozenParameters frozen)
        implements Serializable {

    public ModelArchitecture {
        if (engine == null || engine.isBlank() || details == null) {
            throw new IllegalArgumentException("a model architecture needs an engine name and the engine's details");
        }
    }

    /** An architecture without frozen parameters. */
    public ModelArchitecture(String engine, EngineArchitecture details) {
        this(engine, details, null);
    }

    /** The same architecture with {@code values} as its frozen parameters (how they travel changes, not what). */
    public ModelArchitecture withFrozen(FrozenParameters values) {
        return new ModelArchitecture(engine, details, values);
    }

    /** The details as {@code type}; fails naming both engines' types when another engine's were given. */
    public <T extends EngineArchitecture> T details(Class<T> type) {
        if (!type.isInstance(details)) {
            throw new IllegalArgumentException("model architecture of engine '" + engine + "' holds "
                    + details.getClass().getSimpleName() + ", not the " + type.getSimpleName() + " this engine builds");
        }
        return type.cast(details);
    }

    /** A key used to cache one built model per executor JVM and architecture (frozen values included). */
    public String cacheKey() {
        return engine + details + (frozen == null ? "" : "@" + frozen.id());
    }
}

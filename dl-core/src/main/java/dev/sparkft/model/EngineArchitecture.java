package dev.sparkft.model;

import java.io.Serializable;

/**
 * An engine's typed, path-free description of a model: the values that fix its layout and computation (sizes,
 * head, frozen prefixes, precision, seed), never where weights or configs are stored. Implementations are
 * records of such values; the driver reads the user's files once ({@link ModelEngine#resolve}) and executors
 * build from this alone.
 */
public interface EngineArchitecture extends Serializable {
}

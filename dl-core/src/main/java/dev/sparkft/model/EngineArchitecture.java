package dev.sparkft.model;

import java.io.Serializable;
import java.util.Map;

/**
 * An engine's typed, path-free description of a model: the values that fix its layout and computation (sizes,
 * head, frozen prefixes, precision, seed), never where weights or configs are stored. Implementations are
 * records of such values; the driver reads the user's files once ({@link ModelEngine#resolve}) and executors
 * build from this alone.
 */
public interface EngineArchitecture extends Serializable {

    /**
     * FLOPs of one training example (forward and backward), counted as PyTorch's FlopCounterMode counts them, for
     * the run's MFU; NaN where the engine does not count them. {@code columnLengths}: values per row of each
     * input column (a text model's sequence length is its token column's).
     */
    default double trainingFlopsPerExample(Map<String, Integer> columnLengths) {
        return Double.NaN;
    }
}

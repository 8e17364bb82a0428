package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;

/**
 * Encoder inputs as int64 arrays [n, seq]: token ids, attention mask (1 = attend, 0 = padding) and
 * token type (segment) ids. Build them with {@link BatchArrays}, which validates the values.
 */
public record BertInputs(NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds) {

    public int batchSize() {
        return (int) inputIds.getShape().get(0);
    }

    public int sequenceLength() {
        return (int) inputIds.getShape().get(1);
    }
}

package dev.sparkft.cnn;

/**
 * How batch norm normalises while training. Evaluation and prediction always use the running statistics.
 */
public enum BatchNormMode {
    /**
     * The pretrained running statistics normalise (PyTorch's {@code model.eval()} for the BN layers); their affine
     * weights train. The gradient does not depend on how a global batch is split into partitions, so 1, 2 and 4
     * partitions give the same model. The fine-tuning default.
     */
    FROZEN("frozen"),
    /**
     * Each micro-batch is normalised by its own statistics (PyTorch's train mode), and the running statistics are
     * updated from them (momentum 0.1, unbiased variance) and averaged over the round's micro-batches and
     * partitions. Needed from random initialisation; the result depends on the micro-batch size and so on the
     * partition count.
     */
    BATCH("batch");

    private final String optionName;

    BatchNormMode(String optionName) {
        this.optionName = optionName;
    }

    public String optionName() {
        return optionName;
    }
}

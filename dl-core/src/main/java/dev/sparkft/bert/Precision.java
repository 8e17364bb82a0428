package dev.sparkft.bert;

/**
 * The dtype an executor computes in. The driver's master weights and optimizer state are fp32 either way, and
 * gradients cross the seam as fp32.
 */
public enum Precision {
    /** Everything in fp32. */
    FP32("fp32"),
    /**
     * Matrix products, activations and weight gradients in bf16; LayerNorm statistics and parameters, softmax
     * accumulation and the loss in fp32, as PyTorch's bf16 autocast keeps them. Needs a libtorch and a DJL JNI
     * library that map bf16 (docs/cluster.md, "bf16"); DJL 0.35.1's own cannot.
     */
    BF16("bf16");

    private final String optionName;

    Precision(String optionName) {
        this.optionName = optionName;
    }

    public String optionName() {
        return optionName;
    }
}

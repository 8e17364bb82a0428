package dev.sparkft.model;

/**
 * Adds up a model's floating-point operations as PyTorch's {@code FlopCounterMode} counts them: matrix products and
 * convolutions only, 2 per multiply-add (biases, norms, activations and pooling are not counted). When it counts a
 * training step it adds the backward products too: for each product, the gradient of every operand that needs one,
 * which is a trained weight, or an activation that depends on something trained. Each backward product costs what
 * the forward one did.
 *
 * <p>The architectures' counters ({@code BertFlops}, {@code CnnFlops}, the DL4J networks') walk their graphs
 * through this, passing along whether each activation needs a gradient.
 */
public final class FlopTally {
    private final boolean backward;
    private double flops;

    /** @param backward count a training step (forward and backward), rather than the forward pass alone */
    public FlopTally(boolean backward) {
        this.backward = backward;
    }

    /**
     * A product costing {@code forward} of two operands (activations, or a weight and its input), each of which needs
     * a gradient or not; returns whether the result needs one.
     */
    public boolean product(double forward, boolean a, boolean b) {
        flops += forward;
        if (backward) {
            flops += (a ? forward : 0) + (b ? forward : 0);
        }
        return a || b;
    }

    /** FLOPs counted so far. */
    public double total() {
        return flops;
    }
}

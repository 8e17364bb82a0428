package dev.sparkft.optim;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A flat parameter vector and the optimizer that updates it, behind plain {@code float[]}s: the Spark
 * trainer (driver and executors) keeps ND4J out of its own packages and steps through this class.
 */
public final class FlatParameters {
    private final INDArray params;
    private final Optimizer optimizer;
    /** The driver's gradient buffer, reused every step (allocating 91 MB off-heap per step cost more than the copy). */
    private INDArray gradient;

    public FlatParameters(float[] initial, Optimizer optimizer) {
        this.params = Nd4j.create(DataType.FLOAT, initial.length);
        HostCopies.copy(initial, params);
        this.optimizer = optimizer;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The number of parameters. */
    public int size() {
        return (int) params.length();
    }

    /**
     * Whether every parameter is finite, from one native sum: NaN and infinities propagate into it, and a
     * finite vector cannot overflow a float sum unless its values are themselves near the float range, which
     * is a diverged run all the same.
     */
    public boolean allFinite() {
        return Double.isFinite(params.sumNumber().doubleValue());
    }

    /** A copy of the current parameters. */
    public float[] toArray() {
        return HostCopies.toArray(params);
    }

    /** Copies the current parameters into {@code out} (of the vector's length), for a caller that reuses it. */
    public void copyTo(float[] out) {
        HostCopies.copyTo(params, out);
    }

    /**
     * Sets the layout's statistic segments from {@code meanGradient} (see ParameterSegment), clips the rest to
     * global norm {@code maxGradNorm} (0 = no clipping; the caller's array is not modified), applies one optimizer step and returns the gradient's global norm before clipping. The
     * gradient of parameter groups still frozen at this step is left out of the norm (it is not applied; in
     * PyTorch such parameters have no gradient, which {@code clip_grad_norm_} skips).
     */
    public double step(float[] meanGradient, double maxGradNorm) {
        if (gradient == null) {
            gradient = Nd4j.create(params.dataType(), params.length());
        }
        HostCopies.copy(meanGradient, gradient);
        optimizer.applyStatistics(params, gradient);
        optimizer.zeroFrozenGradient(gradient);
        double norm = maxGradNorm > 0 ? GradientClipping.clipGlobalNorm(gradient, maxGradNorm)
                : GradientClipping.globalNorm(gradient);
        optimizer.step(params, gradient);
        return norm;
    }
}

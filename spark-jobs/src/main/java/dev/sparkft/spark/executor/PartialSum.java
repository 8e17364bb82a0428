package dev.sparkft.spark.executor;

import dev.sparkft.model.LossSum;
import java.io.Serializable;

/**
 * What a partition sends back from a round, and what {@link #merge} folds them into: a summed vector
 * (gradient sum, or example-weighted parameter delta), the summed loss and its weight, example count, the
 * slowest partition's compute time and the first example whose micro-batch gave a non-finite loss.
 * A partition with no examples in the round sends no vector.
 */
public final class PartialSum implements Serializable {
    private static final long serialVersionUID = 1L;

    private float[] vector;
    private double loss;
    private double weight;
    private long examples;
    private long computeNanos;
    private long firstNonFinite;
    private int contributors;

    public PartialSum(float[] vector, LossSum lossSum, long examples, long computeNanos, long firstNonFinite) {
        this.vector = vector;
        this.loss = lossSum.loss();
        this.weight = lossSum.weight();
        this.examples = examples;
        this.computeNanos = computeNanos;
        this.firstNonFinite = firstNonFinite;
        this.contributors = vector == null ? 0 : 1;
    }

    /** A partition that held none of the round's examples. */
    public static PartialSum empty(long computeNanos) {
        return new PartialSum(null, LossSum.ZERO, 0, computeNanos, -1);
    }

    /** Adds {@code b} into {@code a} (in place: both are fresh results of tasks) and returns {@code a}. */
    public static PartialSum merge(PartialSum a, PartialSum b) {
        if (a.vector == null) {
            a.vector = b.vector;
        } else if (b.vector != null) {
            if (a.vector.length != b.vector.length) {
                throw new IllegalStateException("partial sums of different lengths: " + a.vector.length
                        + " and " + b.vector.length + "; executors built different models");
            }
            float[] x = a.vector;
            float[] y = b.vector;
            for (int i = 0; i < x.length; i++) {
                x[i] += y[i];
            }
        }
        a.loss += b.loss;
        a.weight += b.weight;
        a.examples += b.examples;
        a.computeNanos = Math.max(a.computeNanos, b.computeNanos);
        if (b.firstNonFinite >= 0 && (a.firstNonFinite < 0 || b.firstNonFinite < a.firstNonFinite)) {
            a.firstNonFinite = b.firstNonFinite;
        }
        a.contributors += b.contributors;
        return a;
    }

    /** The summed vector, or null when no partition contributed. */
    public float[] vector() {
        return vector;
    }

    public LossSum lossSum() {
        return new LossSum(loss, weight);
    }

    public long examples() {
        return examples;
    }

    /** Compute time of the slowest contributing partition. */
    public long computeNanos() {
        return computeNanos;
    }

    /** Global index of the first example of a micro-batch whose loss was not finite, or -1. */
    public long firstNonFinite() {
        return firstNonFinite;
    }

    /** Number of partitions that sent a vector. */
    public int contributors() {
        return contributors;
    }
}

package dev.sparkft.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One named tensor's place in the flat parameter vector. {@code decay} records whether decoupled weight
 * decay applies (flattening loses the tensor rank that decides it: biases and LayerNorm are excluded);
 * {@code trainable} is false for frozen parameters, whose gradient is zero and which optimizers leave as is.
 *
 * <p>{@code statistic} marks state the model updates itself from the data, such as batch norm's running mean and
 * variance under batch statistics (never trainable). Its slot in a gradient sum carries {@code weight × (current -
 * updated)} for each batch; divided by the total weight that is the current value minus the weighted mean of the
 * updated values, and the driver applies it as {@code p -= g} exactly (no learning rate, clipping or optimizer
 * state), so the statistic becomes that mean: averaged over micro-batches and partitions each round.
 */
public record ParameterSegment(String name, long[] shape, long offset, boolean decay, boolean trainable,
        boolean statistic) implements Serializable {

    public ParameterSegment {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset for parameter " + name);
        }
        if (statistic && trainable) {
            throw new IllegalArgumentException("parameter " + name + " is a statistic and cannot be trainable");
        }
    }

    /** A parameter (not a statistic). */
    public ParameterSegment(String name, long[] shape, long offset, boolean decay, boolean trainable) {
        this(name, shape, offset, decay, trainable, false);
    }

    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long end() {
        return offset + length();
    }

    public ParameterSegment withTrainable(boolean value) {
        return new ParameterSegment(name, shape, offset, decay, value, statistic && !value);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset + (decay ? "" : " no-decay") + (trainable ? "" : statistic ? " statistic" : " frozen");
    }
}

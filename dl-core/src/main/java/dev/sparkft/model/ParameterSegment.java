package dev.sparkft.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One named tensor's place in the flat parameter vector. {@code decay} records whether decoupled weight
 * decay applies (flattening loses the tensor rank that decides it: biases and LayerNorm are excluded);
 * {@code trainable} is false for frozen parameters, whose gradient is zero and which optimizers leave as is.
 */
public record ParameterSegment(String name, long[] shape, long offset, boolean decay, boolean trainable)
        implements Serializable {

    public ParameterSegment {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset for parameter " + name);
        }
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
        return new ParameterSegment(name, shape, offset, decay, value);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset + (decay ? "" : " no-decay") + (trainable ? "" : " frozen");
    }
}

package dev.sparkft.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A dense, row-major array crossing the model seam: exactly one of {@code floats} or {@code ints} is set.
 * Engine-neutral on purpose, so a batch can be assembled on an executor without knowing the engine.
 */
public record Tensor(long[] shape, float[] floats, int[] ints) implements Serializable {

    public Tensor {
        if ((floats == null) == (ints == null)) {
            throw new IllegalArgumentException("a Tensor holds exactly one of floats or ints");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        int len = floats != null ? floats.length : ints.length;
        if (n != len) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " elements, data has " + len);
        }
    }

    public static Tensor ofFloats(float[] data, long... shape) {
        return new Tensor(shape.clone(), data, null);
    }

    public static Tensor ofInts(int[] data, long... shape) {
        return new Tensor(shape.clone(), null, data);
    }

    public boolean isFloat() {
        return floats != null;
    }

    /** Size of the leading (batch) dimension. */
    public int rows() {
        return shape.length == 0 ? 1 : (int) shape[0];
    }

    @Override
    public String toString() {
        return (isFloat() ? "float" : "int") + Arrays.toString(shape);
    }
}

package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.sparkft.model.ParameterSegment;
import java.nio.FloatBuffer;

/**
 * Adds fp32 gradient arrays into a flat {@code float[]} sum through a direct view of libtorch's memory (no
 * intermediate copy of the whole tensor; bf16 gradients are widened first, in the gradient's manager), a
 * fixed-size chunk at a time so the add loop vectorises.
 */
public final class FlatGradient {
    private static final int CHUNK = 1 << 16;

    private final float[] chunk = new float[CHUNK];

    public void addInto(ParameterSegment segment, NDArray grad, float[] sum) {
        NDArray fp32 = grad.getDataType() == DataType.FLOAT32 ? grad : grad.toType(DataType.FLOAT32, false);
        FloatBuffer view = fp32.toByteBuffer(true).asFloatBuffer();
        int base = (int) segment.offset();
        int length = (int) segment.length();
        if (view.remaining() != length) {
            throw new IllegalStateException("gradient of " + segment.name() + " has " + view.remaining()
                    + " values, expected " + length);
        }
        for (int start = 0; start < length; start += CHUNK) {
            int n = Math.min(CHUNK, length - start);
            view.get(start, chunk, 0, n);
            int at = base + start;
            for (int i = 0; i < n; i++) {
                sum[at + i] += chunk[i];
            }
        }
    }
}

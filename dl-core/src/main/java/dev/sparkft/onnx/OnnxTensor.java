package dev.sparkft.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An ONNX TensorProto: name, element type, dimensions and its elements as little-endian bytes
 * (a view of the file for {@code raw_data}; repacked from {@code float_data}/{@code int64_data}/{@code int32_data}).
 */
public record OnnxTensor(String name, int dataType, long[] dims, ByteBuffer data) {

    /** TensorProto.DataType values this reader decodes. */
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    public OnnxTensor {
        dims = dims.clone();
        data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** The elements of a FLOAT tensor, row-major. */
    public float[] floats() {
        requireType(FLOAT, 4);
        float[] out = new float[(int) elementCount()];
        data().asFloatBuffer().get(out);
        return out;
    }

    /** The elements of an INT64 or INT32 tensor, widened to long. */
    public long[] longs() {
        if (dataType == INT32) {
            requireType(INT32, 4);
            int[] ints = new int[(int) elementCount()];
            data().asIntBuffer().get(ints);
            return Arrays.stream(ints).asLongStream().toArray();
        }
        requireType(INT64, 8);
        long[] out = new long[(int) elementCount()];
        data().asLongBuffer().get(out);
        return out;
    }

    private void requireType(int type, int bytesPerElement) {
        if (dataType != type) {
            throw new IllegalArgumentException("ONNX tensor '" + name + "' has data_type " + dataType
                    + ", expected " + type);
        }
        long expected = elementCount() * bytesPerElement;
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("ONNX tensor '" + name + "' with dims " + Arrays.toString(dims)
                    + " holds " + data.remaining() + " bytes, expected " + expected);
        }
    }

    @Override
    public String toString() {
        return "OnnxTensor[" + name + ", type " + dataType + ", " + Arrays.toString(dims) + "]";
    }
}

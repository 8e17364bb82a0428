package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameter arrays of one model, one per layout segment, whose storage is a single off-heap buffer
 * owned here: on CPU, DJL's {@code NDArray.set(direct ByteBuffer)} makes the libtorch tensor use that
 * buffer's memory (no copy), so loading a flat vector is one bulk put per segment with no JNI call.
 * Each segment starts 64-byte aligned, as libtorch's own allocator would place it. On a GPU the buffer is
 * the host staging area, copied to the device segment by segment on every load.
 *
 * <p>These arrays never require gradients; {@link BertBackward} differentiates fresh leaves that share
 * their storage. Not thread-safe.
 */
public final class ParameterArrays {
    private static final int ALIGN = 64;

    private final ParameterLayout layout;
    private final DataType dtype;
    private final boolean onDevice;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private final Map<String, ByteBuffer> storage = new LinkedHashMap<>();

    public ParameterArrays(NDManager manager, ParameterLayout layout, DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT64) {
            throw new IllegalArgumentException("parameters must be fp32 or fp64, got " + dtype);
        }
        this.layout = layout;
        this.dtype = dtype;
        this.onDevice = manager.getDevice().isGpu();
        int width = dtype.getNumOfBytes();
        long total = 0;
        for (ParameterSegment s : layout.segments()) {
            total += align(s.length() * width);
        }
        ByteBuffer all = ByteBuffer.allocateDirect(Math.toIntExact(total + ALIGN)).alignedSlice(ALIGN);
        int offset = 0;
        for (ParameterSegment s : layout.segments()) {
            int bytes = Math.toIntExact(s.length() * width);
            ByteBuffer slice = all.slice(offset, bytes).order(ByteOrder.nativeOrder());
            NDArray array = manager.zeros(new Shape(s.shape()), dtype);
            array.set(slice);
            array.setName(s.name());
            arrays.put(s.name(), array);
            storage.put(s.name(), slice);
            offset += Math.toIntExact(align(bytes));
        }
    }

    public ParameterLayout layout() {
        return layout;
    }

    public DataType dtype() {
        return dtype;
    }

    /** The array of the parameter named {@code name} (a layout segment name). */
    public NDArray get(String name) {
        NDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return a;
    }

    /** Loads a flat fp32 vector laid out as {@link #layout()}. */
    public void set(float[] flat) {
        requireType(DataType.FLOAT32, flat.length);
        for (ParameterSegment s : layout.segments()) {
            storage.get(s.name()).asFloatBuffer().put(0, flat, (int) s.offset(), (int) s.length());
        }
        copyToDevice();
    }

    /** Loads a flat fp64 vector laid out as {@link #layout()} (gradient checks). */
    public void set(double[] flat) {
        requireType(DataType.FLOAT64, flat.length);
        for (ParameterSegment s : layout.segments()) {
            storage.get(s.name()).asDoubleBuffer().put(0, flat, (int) s.offset(), (int) s.length());
        }
        copyToDevice();
    }

    /** On a GPU, {@code set(ByteBuffer)} copies host to device; on the CPU the tensors already are the buffer. */
    private void copyToDevice() {
        if (onDevice) {
            for (ParameterSegment s : layout.segments()) {
                arrays.get(s.name()).set(storage.get(s.name()));
            }
        }
    }

    private void requireType(DataType expected, int length) {
        if (dtype != expected) {
            throw new IllegalStateException("parameters are " + dtype + ", not " + expected);
        }
        if (length != layout.size()) {
            throw new IllegalArgumentException("flat parameter vector has " + length
                    + " values, the layout needs " + layout.size());
        }
    }

    private static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }
}

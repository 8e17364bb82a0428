package dev.sparkft.spark.executor;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparkft.model.LossSum;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * What a partition sends back from a round, and what {@link #merge} folds them into: a summed vector
 * (gradient sum, or example-weighted parameter delta), the summed loss and its weight, example count, the
 * slowest partition's compute time and the first example whose micro-batch gave a non-finite loss.
 * A partition with no examples in the round sends no vector.
 *
 * <p>On a cluster the vector travels in slices ({@link #slice}, summed slice by slice on the executors and
 * put together on the driver by {@link #concat}); the scalars ride with slice 0. Kryo writes the vector in
 * its {@link WirePrecision}: 2 bytes a value for bf16, whose values are already rounded ({@link #roundForWire}).
 */
public final class PartialSum implements Serializable, KryoSerializable {
    private static final long serialVersionUID = 3L;
    /** No slice holds more values than the largest chunk of {@code training.communication.chunkBytes}. */
    private static final int MAX_WIRE_VALUES = 1 << 28;

    private float[] vector;
    /** Whether {@link #vector} came from {@link RoundVectors} (never after crossing the wire). */
    private transient boolean pooled;
    private WirePrecision wire = WirePrecision.FP32;
    private double loss;
    private double weight;
    private long examples;
    private long computeNanos;
    private long firstNonFinite;
    private int contributors;
    /**
     * How a partition's own, compressed vector is encoded on the wire ({@link DeltaCompression}); NONE for sums of
     * several partitions and uncompressed vectors. {@link #scales}: int8's per-block scales.
     */
    private DeltaCompression.Kind coded = DeltaCompression.Kind.NONE;
    private int blockSize;
    private float[] scales;
    /** Bytes the contributing partitions' compressed vectors took on the wire, summed. */
    private long compressedBytes;
    /** Sum of squares of the contributing partitions' error-feedback residuals. */
    private double residualSquares;

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

    /**
     * Marks the vector as taken from {@link RoundVectors}: whoever reads it last ({@link #merge}, {@link #release})
     * gives it back. Returns this.
     */
    public PartialSum pooledVector() {
        pooled = vector != null;
        return this;
    }

    /**
     * Adds {@code b} into {@code a} (in place: both are fresh results of tasks) and returns {@code a}; {@code b}'s
     * vector is given back to {@link RoundVectors} if it came from there.
     */
    public static PartialSum merge(PartialSum a, PartialSum b) {
        if (a.vector == null) {
            a.vector = b.vector;
            a.pooled = b.pooled;
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
            b.release();
        }
        // A sum of partitions is a plain vector again.
        a.coded = DeltaCompression.Kind.NONE;
        a.scales = null;
        a.compressedBytes += b.compressedBytes;
        a.residualSquares += b.residualSquares;
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

    /**
     * Marks this partition's vector as compressed by {@code compression} (its values are already the decoded
     * ones, {@link DeltaCompression#compress}), so the wire carries {@code result}'s encoding; returns this.
     */
    public PartialSum compressed(DeltaCompression compression, DeltaCompression.Result result) {
        coded = compression.kind();
        blockSize = compression.blockSize();
        scales = result.scales();
        compressedBytes = result.wireBytes();
        residualSquares = result.residualSquares();
        return this;
    }

    /**
     * Rounds the vector in place to {@code precision}, which Kryo then writes it in; returns this. A compressed
     * vector keeps its encoding, whose values the rounding would break.
     */
    public PartialSum roundForWire(WirePrecision precision) {
        if (vector != null && coded == DeltaCompression.Kind.NONE) {
            precision.round(vector);
        }
        wire = precision;
        return this;
    }

    /**
     * Values {@code [from, to)} of the vector as a sum of their own, in this sum's wire precision; slice 0
     * ({@code withScalars}) carries the loss, counts and times, the others zeros, so adding up each slice over
     * the partitions adds up the scalars once.
     */
    public PartialSum slice(int from, int to, boolean withScalars) {
        PartialSum s = withScalars ? new PartialSum(null, lossSum(), examples, computeNanos, firstNonFinite)
                : empty(0);
        s.vector = vector == null ? null : Arrays.copyOfRange(vector, from, to);
        s.contributors = withScalars ? contributors : 0;
        s.compressedBytes = withScalars ? compressedBytes : 0;
        s.residualSquares = withScalars ? residualSquares : 0;
        s.wire = wire;
        s.coded = coded;
        s.blockSize = blockSize;
        if (scales != null && vector != null) {
            if (from % blockSize != 0) {
                throw new IllegalStateException("a slice from " + from + " cuts an int8 block of " + blockSize);
            }
            s.scales = Arrays.copyOfRange(scales, from / blockSize, (to + blockSize - 1) / blockSize);
        }
        return s;
    }

    /** Driver: the slices of one summed vector, in order, as one sum (scalars from slice 0). */
    public static PartialSum concat(List<PartialSum> slices, int length) {
        PartialSum first = slices.get(0);
        PartialSum whole = first.slice(0, 0, true);
        if (first.vector == null) {
            whole.vector = null;
            return whole;
        }
        float[] v = RoundVectors.take(length);
        int at = 0;
        for (PartialSum s : slices) {
            System.arraycopy(s.vector, 0, v, at, s.vector.length);
            at += s.vector.length;
        }
        if (at != length) {
            throw new IllegalStateException("slices of " + at + " values for a vector of " + length);
        }
        whole.vector = v;
        return whole.pooledVector();
    }

    /** Gives the vector back to {@link RoundVectors} if it came from there; this sum has no vector afterwards. */
    public void release() {
        if (pooled) {
            RoundVectors.giveBack(vector);
        }
        vector = null;
        pooled = false;
    }

    /** The summed vector, or null when no partition contributed. */
    public float[] vector() {
        return vector;
    }

    /** Bytes the contributing partitions' compressed vectors took on the wire (0 without compression). */
    public long compressedBytes() {
        return compressedBytes;
    }

    /** Sum of squares of the contributing partitions' error-feedback residuals. */
    public double residualSquares() {
        return residualSquares;
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

    @Override
    public void write(Kryo kryo, Output out) {
        out.writeDouble(loss);
        out.writeDouble(weight);
        out.writeLong(examples);
        out.writeLong(computeNanos);
        out.writeLong(firstNonFinite);
        out.writeInt(contributors);
        out.writeLong(compressedBytes);
        out.writeDouble(residualSquares);
        out.writeByte(wire.ordinal());
        out.writeByte(coded.ordinal());
        out.writeInt(vector == null ? -1 : vector.length);
        if (vector == null) {
            return;
        }
        if (coded == DeltaCompression.Kind.INT8) {
            writeInt8(out);
        } else if (coded == DeltaCompression.Kind.TOPK) {
            writeSparse(out);
        } else if (wire == WirePrecision.BF16) {
            // The top half of each float, exact: the values were rounded to bf16 before. One bulk write.
            byte[] bytes = new byte[2 * vector.length];
            for (int i = 0; i < vector.length; i++) {
                int bits = Float.floatToRawIntBits(vector[i]);
                bytes[2 * i] = (byte) (bits >>> 24);
                bytes[2 * i + 1] = (byte) (bits >>> 16);
            }
            out.writeBytes(bytes);
        } else {
            out.writeFloats(vector);
        }
    }

    @Override
    public void read(Kryo kryo, Input in) {
        loss = in.readDouble();
        weight = in.readDouble();
        examples = in.readLong();
        computeNanos = in.readLong();
        firstNonFinite = in.readLong();
        contributors = in.readInt();
        compressedBytes = in.readLong();
        residualSquares = in.readDouble();
        int precision = in.readByte();
        int coding = in.readByte();
        int length = in.readInt();
        if (precision < 0 || precision >= WirePrecision.values().length || coding < 0
                || coding >= DeltaCompression.Kind.values().length || length < -1 || length > MAX_WIRE_VALUES) {
            throw new IllegalStateException("a partial sum from an executor declares precision " + precision
                    + ", coding " + coding + " and " + length + " values; executor and driver must run the same"
                    + " SparkFT build");
        }
        wire = WirePrecision.values()[precision];
        coded = DeltaCompression.Kind.values()[coding];
        if (length < 0) {
            vector = null;
        } else if (coded == DeltaCompression.Kind.INT8) {
            readInt8(in, length);
        } else if (coded == DeltaCompression.Kind.TOPK) {
            readSparse(in, length);
        } else if (wire == WirePrecision.BF16) {
            byte[] bytes = in.readBytes(2 * length);
            vector = new float[length];
            for (int i = 0; i < length; i++) {
                vector[i] = Float.intBitsToFloat((bytes[2 * i] & 0xFF) << 24 | (bytes[2 * i + 1] & 0xFF) << 16);
            }
        } else {
            vector = in.readFloats(length);
        }
    }

    /**
     * int8: the block size, the scales, then one byte a value. The values are {@code q * scale} already, so the
     * byte recomputed here is the one the compression chose, and the reader's {@code q * scale} the same float.
     */
    private void writeInt8(Output out) {
        out.writeInt(blockSize);
        out.writeInt(scales.length);
        out.writeFloats(scales);
        byte[] q = new byte[vector.length];
        for (int i = 0; i < vector.length; i++) {
            float scale = scales[i / blockSize];
            q[i] = (byte) (scale == 0 ? 0 : DeltaCompression.quantize(vector[i], scale));
        }
        out.writeBytes(q);
    }

    private void readInt8(Input in, int length) {
        blockSize = in.readInt();
        int blocks = in.readInt();
        if (blockSize < 1 || blocks != (length + (long) blockSize - 1) / blockSize) {
            throw new IllegalStateException("an int8 slice of " + length + " values declares " + blocks
                    + " blocks of " + blockSize);
        }
        scales = in.readFloats(blocks);
        byte[] q = in.readBytes(length);
        vector = new float[length];
        for (int i = 0; i < length; i++) {
            float scale = scales[i / blockSize];
            vector[i] = scale == 0 ? 0f : q[i] * scale;
        }
    }

    /** top-k: the count of non-zero values, their indices, their values; the rest of the slice is zero. */
    private void writeSparse(Output out) {
        int n = 0;
        for (float x : vector) {
            if (x != 0f) {
                n++;
            }
        }
        int[] index = new int[n];
        float[] value = new float[n];
        int j = 0;
        for (int i = 0; i < vector.length; i++) {
            if (vector[i] != 0f) {
                index[j] = i;
                value[j++] = vector[i];
            }
        }
        out.writeInt(n);
        out.writeInts(index);
        out.writeFloats(value);
    }

    private void readSparse(Input in, int length) {
        int n = in.readInt();
        if (n < 0 || n > length) {
            throw new IllegalStateException("a sparse slice of " + length + " values declares " + n + " non-zeros");
        }
        int[] index = in.readInts(n);
        float[] value = in.readFloats(n);
        vector = new float[length];
        for (int j = 0; j < n; j++) {
            if (index[j] < 0 || index[j] >= length) {
                throw new IllegalStateException("a sparse slice of " + length + " values names index " + index[j]);
            }
            vector[index[j]] = value[j];
        }
    }
}

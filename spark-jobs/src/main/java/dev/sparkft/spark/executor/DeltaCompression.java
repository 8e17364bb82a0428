package dev.sparkft.spark.executor;

import java.io.Serializable;
import java.util.Locale;

/**
 * How a partition's round vector (gradient sum or weighted parameter delta) is compressed before it leaves its
 * executor, with error feedback: the partition adds what earlier rounds left out (its residual) to the vector,
 * sends the compressed sum, and keeps the difference as the next residual, so nothing is dropped for good, only
 * delayed (Seide et al. 2014; Lin et al. 2018, Deep Gradient Compression).
 *
 * <ul>
 *   <li>{@code int8}: blocks of {@code blockSize} consecutive values, each sent as one fp32 scale (the block's
 *       largest magnitude / 127) and one signed byte per value, rounded to nearest: 1 + 4 / blockSize bytes a
 *       value.</li>
 *   <li>{@code topk}: the {@code fraction} of values with the largest magnitude (ties to the lower index), sent as
 *       (int index, fp32 value) pairs: 8 bytes per kept value.</li>
 * </ul>
 *
 * Everything here is a function of the values alone, in a fixed order, so a partition's compressed vector and
 * residual are the same bits wherever and whenever it runs.
 */
public record DeltaCompression(Kind kind, int blockSize, double fraction) implements Serializable {
    public static final int DEFAULT_BLOCK_SIZE = 256;
    public static final double DEFAULT_FRACTION = 0.01;
    public static final DeltaCompression NONE = new DeltaCompression(Kind.NONE, DEFAULT_BLOCK_SIZE, DEFAULT_FRACTION);

    /** The wire encodings. */
    public enum Kind {
        NONE, INT8, TOPK;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String value, String what) {
            for (Kind k : values()) {
                if (k.key().equals(value.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new IllegalArgumentException(what + " must be none, int8 or topk, got '" + value + "'");
        }
    }

    public DeltaCompression {
        if (kind == null) {
            throw new IllegalArgumentException("training.communication.compression.type must be none, int8 or topk");
        }
        if (blockSize < 8 || blockSize > (1 << 20)) {
            throw new IllegalArgumentException("training.communication.compression.blockSize must be in [8, "
                    + (1 << 20) + "] (default " + DEFAULT_BLOCK_SIZE + "), got " + blockSize);
        }
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("training.communication.compression.fraction must be in (0, 1]"
                    + " (default " + DEFAULT_FRACTION + "), got " + fraction);
        }
    }

    public boolean enabled() {
        return kind != Kind.NONE;
    }

    /** Values per int8 block, 1 otherwise: slices of a compressed vector start at multiples of it. */
    public int alignment() {
        return kind == Kind.INT8 ? blockSize : 1;
    }

    /** What one compression did. {@code scales}: int8's per-block scales, else null. */
    public record Result(float[] scales, long wireBytes, double residualSquares) {
    }

    /**
     * Error feedback: {@code u = vector + residual}; {@code vector} becomes the compressed {@code u} (the values
     * the receiver decodes), {@code residual} becomes {@code u - vector}. Both are updated in place.
     */
    public Result compress(float[] vector, float[] residual) {
        if (vector.length != residual.length) {
            throw new IllegalArgumentException("a vector of " + vector.length + " values and a residual of "
                    + residual.length);
        }
        for (int i = 0; i < vector.length; i++) {
            vector[i] += residual[i];
        }
        // The vector now holds u; the residual array is free to take u - c.
        return switch (kind) {
            case INT8 -> int8(vector, residual);
            case TOPK -> topk(vector, residual);
            case NONE -> throw new IllegalStateException("compress() without compression");
        };
    }

    private Result int8(float[] u, float[] residual) {
        int blocks = (u.length + blockSize - 1) / blockSize;
        float[] scales = new float[blocks];
        double squares = 0;
        for (int b = 0; b < blocks; b++) {
            int from = b * blockSize;
            int to = Math.min(u.length, from + blockSize);
            float max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, Math.abs(u[i]));
            }
            float scale = max / 127f;
            scales[b] = scale;
            for (int i = from; i < to; i++) {
                float c = scale == 0 ? 0f : quantize(u[i], scale) * scale;
                float r = u[i] - c;
                residual[i] = r;
                squares += (double) r * r;
                u[i] = c;
            }
        }
        return new Result(scales, (long) u.length + 4L * blocks, squares);
    }

    /** The signed byte sent for {@code x} in a block of scale {@code scale} (> 0): round to nearest, in [-127, 127]. */
    static int quantize(float x, float scale) {
        return Math.max(-127, Math.min(127, Math.round(x / scale)));
    }

    private Result topk(float[] u, float[] residual) {
        int k = kept(u.length);
        int threshold = TopK.thresholdBits(u, k);
        int above = 0;
        for (float x : u) {
            if (magnitudeBits(x) > threshold) {
                above++;
            }
        }
        int tiesLeft = k - above;
        double squares = 0;
        for (int i = 0; i < u.length; i++) {
            int m = magnitudeBits(u[i]);
            boolean keep = m > threshold || (m == threshold && tiesLeft-- > 0);
            if (keep) {
                residual[i] = 0f;
                u[i] += 0f; // -0.0 becomes 0.0: the wire sends no zeros, and the receiver's are positive
            } else {
                residual[i] = u[i];
                squares += (double) u[i] * u[i];
                u[i] = 0f;
            }
        }
        return new Result(null, 8L * k, squares);
    }

    /** How many values top-k keeps of {@code length}. */
    public int kept(int length) {
        return (int) Math.max(1, Math.min(length, Math.ceil(fraction * length)));
    }

    /** |x| as its bit pattern: for non-negative floats the int order is the value order (NaN sorts above all). */
    static int magnitudeBits(float x) {
        return Float.floatToRawIntBits(x) & 0x7FFFFFFF;
    }

    /** Exact k-th largest magnitude by a two-pass radix select over the bit patterns: O(n), no copy of the vector. */
    static final class TopK {
        private TopK() {
        }

        /** The bit pattern of the k-th largest {@link #magnitudeBits} in {@code u} (1 <= k <= u.length). */
        static int thresholdBits(float[] u, int k) {
            int[] high = new int[1 << 15]; // magnitude bits are 31 wide: 15 high, 16 low
            for (float x : u) {
                high[magnitudeBits(x) >>> 16]++;
            }
            int need = k;
            int h = high.length - 1;
            while (high[h] < need) {
                need -= high[h];
                h--;
            }
            int[] low = new int[1 << 16];
            for (float x : u) {
                int m = magnitudeBits(x);
                if (m >>> 16 == h) {
                    low[m & 0xFFFF]++;
                }
            }
            int l = low.length - 1;
            while (low[l] < need) {
                need -= low[l];
                l--;
            }
            return h << 16 | l;
        }
    }
}

package dev.sparkft.spark.executor;

import dev.sparkft.hf.HalfFloats;
import java.util.Locale;

/**
 * How a round's vectors travel between driver and executors: fp32, or bf16 (half the bytes). Values are rounded
 * to the wire's precision where they are produced (parameters on the driver, a partition's vector on its
 * executor, a slice's sum on the executor that adds it up) and added up in fp32, so rounding happens in the same
 * places in local mode, where nothing is copied, as on a cluster: both give the same bits.
 */
public enum WirePrecision {
    FP32("fp32", 4),
    BF16("bf16", 2);

    private final String key;
    private final int bytes;

    WirePrecision(String key, int bytes) {
        this.key = key;
        this.bytes = bytes;
    }

    public String key() {
        return key;
    }

    /** Bytes per value on the wire. */
    public int bytes() {
        return bytes;
    }

    public static WirePrecision parse(String value, String what) {
        for (WirePrecision p : values()) {
            if (p.key.equals(value.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException(what + " must be fp32 or bf16, got '" + value + "'");
    }

    /** Rounds {@code v} in place to the nearest value this precision carries (ties to even); fp32 leaves it. */
    public void round(float[] v) {
        if (this == BF16) {
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.intBitsToFloat(bf16Bits(v[i]) << 16);
            }
        }
    }

    /**
     * The bf16 bits nearest to {@code x} (ties to even), as {@link HalfFloats#floatToBf16} gives them; a branch-free
     * add for every value but NaN, because this runs over whole parameter vectors several times a round.
     */
    static int bf16Bits(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) {
            return HalfFloats.floatToBf16(x) & 0xFFFF;
        }
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }
}

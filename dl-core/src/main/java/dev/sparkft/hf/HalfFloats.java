package dev.sparkft.hf;

/**
 * Conversions between float and the two 16-bit formats of safetensors files: IEEE 754 binary16 (F16)
 * and bfloat16 (BF16). Narrowing rounds to nearest, ties to even; NaN payloads are kept where they fit.
 * (Java 17 has no Float.float16ToFloat.)
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    public static float f16ToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Subnormal (or zero): mantissa × 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xFF;
        int mantissa = bits & 0x7FFFFF;
        if (exponent == 0xFF) {
            if (mantissa == 0) {
                return (short) (sign | 0x7C00);
            }
            int payload = mantissa >>> 13;
            return (short) (sign | 0x7C00 | (payload == 0 ? 0x200 : payload));
        }
        int halfExponent = exponent - 112;
        if (halfExponent >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (halfExponent <= 0) {
            // Result is subnormal or zero: shift the full significand right, rounding to nearest even.
            if (halfExponent < -10) {
                return (short) sign;
            }
            int significand = mantissa | 0x800000;
            int shift = 14 - halfExponent;
            return (short) (sign | roundShift(significand, shift));
        }
        // Normal: a carry out of the mantissa correctly bumps the exponent (up to infinity).
        int combined = (halfExponent << 23) | mantissa;
        return (short) (sign | roundShift(combined, 13));
    }

    public static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
    }

    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) {
            int truncated = bits >>> 16;
            return (short) ((truncated & 0x7F) == 0 ? truncated | 0x40 : truncated);
        }
        return (short) roundShift(bits, 16);
    }

    /** {@code value >>> shift}, rounded to nearest with ties to even (value non-negative as unsigned int). */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) == 1)) {
            kept++;
        }
        return kept;
    }
}

package dev.sparkft.hf;

import org.junit.jupiter.api.Test;

import static dev.sparkft.hf.HalfFloats.bf16ToFloat;
import static dev.sparkft.hf.HalfFloats.f16ToFloat;
import static dev.sparkft.hf.HalfFloats.floatToBf16;
import static dev.sparkft.hf.HalfFloats.floatToF16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bit patterns computed by hand from the IEEE 754 binary16 and bfloat16 layouts. */
class HalfFloatsTest {

    @Test
    void decodesHandComputedF16Patterns() {
        assertEquals(1.0f, f16ToFloat((short) 0x3C00));
        assertEquals(-2.0f, f16ToFloat((short) 0xC000));
        assertEquals(65504.0f, f16ToFloat((short) 0x7BFF)); // largest finite: (2 - 2^-10) * 2^15
        assertEquals(0x1p-14f, f16ToFloat((short) 0x0400)); // smallest normal
        assertEquals(0x1p-24f, f16ToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x3FFp-24f, f16ToFloat((short) 0x03FF)); // largest subnormal
        assertEquals(0.333251953125f, f16ToFloat((short) 0x3555)); // 1/3 rounded: 0x155 * 2^-12 + 2^-2
        assertEquals(Float.POSITIVE_INFINITY, f16ToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, f16ToFloat((short) 0xFC00));
        assertEquals(0x80000000, Float.floatToRawIntBits(f16ToFloat((short) 0x8000))); // -0
        assertTrue(Float.isNaN(f16ToFloat((short) 0x7E00)));
    }

    @Test
    void encodesF16WithRoundToNearestEven() {
        assertEquals((short) 0x3555, floatToF16(1f / 3f));
        assertEquals((short) 0x3C00, floatToF16(1f + 0x1p-11f)); // tie between 0x3C00 and 0x3C01: even
        assertEquals((short) 0x3C02, floatToF16(1f + 3 * 0x1p-11f)); // tie between 0x3C01 and 0x3C02: even
        assertEquals((short) 0x3C01, floatToF16(1f + 0x1p-11f + 0x1p-20f)); // just above the tie
        assertEquals((short) 0x7BFF, floatToF16(65519f)); // below the midpoint to 2^16
        assertEquals((short) 0x7C00, floatToF16(65520f)); // midpoint rounds to even = infinity
        assertEquals((short) 0x0000, floatToF16(0x1p-25f)); // half the smallest subnormal: tie to 0
        assertEquals((short) 0x0001, floatToF16(3 * 0x1p-26f)); // 0.75 of it rounds up
        assertEquals((short) 0x0400, floatToF16(0x3FFp-24f + 0x1p-25f + 0x1p-30f)); // carries into the exponent
        assertEquals((short) 0x8000, floatToF16(-1e-10f));
        assertEquals((short) 0xFC00, floatToF16(-1e6f));
        assertEquals((short) 0x7E00, floatToF16(Float.NaN));
    }

    @Test
    void everyF16PatternSurvivesTheRoundTrip() {
        for (int bits = 0; bits < 0x10000; bits++) {
            assertEquals((short) bits, floatToF16(f16ToFloat((short) bits)), "pattern " + Integer.toHexString(bits));
        }
    }

    @Test
    void bf16IsTheUpperHalfOfFloat() {
        assertEquals(1.0f, bf16ToFloat((short) 0x3F80));
        assertEquals(-2.0f, bf16ToFloat((short) 0xC000));
        assertEquals(3.140625f, bf16ToFloat((short) 0x4049));
        assertEquals((short) 0x4049, floatToBf16((float) Math.PI)); // 0x40490FDB: low half < 0x8000
        assertEquals((short) 0x3F80, floatToBf16(Float.intBitsToFloat(0x3F808000))); // tie: even
        assertEquals((short) 0x3F82, floatToBf16(Float.intBitsToFloat(0x3F818000))); // tie: even, up
        assertEquals((short) 0x7F80, floatToBf16(Float.MAX_VALUE)); // rounds to infinity
        assertEquals((short) 0xFF80, floatToBf16(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x7FC0, floatToBf16(Float.NaN));
        assertTrue(Float.isNaN(bf16ToFloat(floatToBf16(Float.intBitsToFloat(0x7F800001))))); // NaN stays NaN
    }

    @Test
    void everyBf16PatternSurvivesTheRoundTrip() {
        for (int bits = 0; bits < 0x10000; bits++) {
            assertEquals((short) bits, floatToBf16(bf16ToFloat((short) bits)), "pattern " + Integer.toHexString(bits));
        }
    }
}

package dev.sparkft.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatVectorsTest {
    /** Several of the parallel chunks (2^20 values each) and a ragged last one. */
    private static final int N = 3 * (1 << 20) + 7;

    @Test
    void scaleIfFiniteScalesEveryValueLikeTheSequentialScale() {
        Random random = new Random(3);
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            v[i] = (random.nextFloat() - 0.5f) * 20;
        }
        float[] expected = v.clone();
        FloatVectors.scale(expected, 1.0 / 3);
        assertTrue(FloatVectors.scaleIfFinite(v, 1.0 / 3));
        for (int i = 0; i < N; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(v[i]), "value " + i);
        }
    }

    @Test
    void scaleIfFiniteReportsANonFiniteValueInAnyChunk() {
        for (int at : new int[] {0, (1 << 20) - 1, 1 << 20, N - 1}) {
            float[] v = new float[N];
            v[at] = at % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
            assertFalse(FloatVectors.scaleIfFinite(v, 0.5), "non-finite value at " + at);
        }
    }
}

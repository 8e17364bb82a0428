package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** PyTorch's clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when that is below 1, return the norm before. */
class GradientClippingTest {

    @Test
    void scalesWhenAboveMaxNorm() {
        INDArray g = Nd4j.createFromArray(new float[] {3f, 0f, -4f});
        double norm = GradientClipping.clipGlobalNorm(g, 1.0);
        assertEquals(5.0, norm, 0.0);
        double c = 1.0 / (5.0 + 1e-6);
        assertArrayEquals(new float[] {(float) (3 * c), 0f, (float) (-4 * c)}, g.toFloatVector(), 1e-7f);
    }

    @Test
    void leavesGradientAloneAtOrBelowMaxNorm() {
        float[] values = {3f, 0f, -4f};
        INDArray g = Nd4j.createFromArray(values.clone());
        assertEquals(5.0, GradientClipping.clipGlobalNorm(g, 10.0), 0.0);
        assertArrayEquals(values, g.toFloatVector(), 0f);
        // maxNorm / (5 + 1e-6) < 1 for maxNorm = 5: PyTorch scales by 0.9999998 here, and so do we.
        GradientClipping.clipGlobalNorm(g, 5.0);
        assertEquals(3 * 5.0 / (5.0 + 1e-6), g.getFloat(0), 1e-6);
        assertTrue(g.getFloat(0) < 3f);
    }

    @Test
    void zeroGradientStaysZero() {
        INDArray g = Nd4j.createFromArray(new float[4]);
        assertEquals(0.0, GradientClipping.clipGlobalNorm(g, 1.0), 0.0);
        assertArrayEquals(new float[4], g.toFloatVector(), 0f);
    }

    /** Several chunks of a 3.3M vector: the norm agrees with a double loop to 1e-12 (float reductions: ~1e-2). */
    @Test
    void largeVectorNormIsAccumulatedInDouble() {
        int n = 3 * (1 << 20) + 12345;
        float[] values = new float[n];
        Random random = new Random(3);
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
            sumSquares += (double) values[i] * values[i];
        }
        double expected = Math.sqrt(sumSquares);
        INDArray g = Nd4j.createFromArray(values);
        double norm = GradientClipping.clipGlobalNorm(g, expected / 2);
        assertEquals(expected, norm, 1e-12 * expected);
        double c = (expected / 2) / (expected + 1e-6);
        for (int i : new int[] {0, 1 << 20, n - 1}) {
            assertEquals(values[i] * c, g.getFloat(i), 1e-6 * Math.abs(values[i]) + 1e-30);
        }
    }

    @Test
    void nonFiniteNormIsReportedNotApplied() {
        INDArray g = Nd4j.createFromArray(new float[] {1f, Float.NaN});
        assertEquals(Double.NaN, GradientClipping.clipGlobalNorm(g, 1.0));
        assertEquals(1f, g.getFloat(0), 0f);
    }

    @Test
    void rejectsNonPositiveMaxNorm() {
        assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipGlobalNorm(Nd4j.createFromArray(new float[] {1f}), 0.0));
    }
}

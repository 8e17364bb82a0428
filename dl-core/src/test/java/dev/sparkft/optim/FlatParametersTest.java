package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkft.model.ParameterLayout;
import org.junit.jupiter.api.Test;

class FlatParametersTest {
    private static final ParameterLayout LAYOUT = ParameterLayout.builder().add("w", new long[] {2}, true).build();

    @Test
    void stepsWithClippingAndLeavesTheCallersGradientAlone() {
        FlatParameters p = new FlatParameters(new float[] {1, 2}, Optimizers.create(OptimizerConfig.sgd(0.5), LAYOUT));
        float[] gradient = {3, 4};
        assertEquals(5.0, p.step(gradient, 1.0), 1e-12);
        // Clipped to norm 1 (PyTorch's 1e-6 guard): g * 1 / (5 + 1e-6) = (0.6, 0.8); lr 0.5.
        assertArrayEquals(new float[] {1 - 0.3f, 2 - 0.4f}, p.toArray(), 1e-6f);
        assertArrayEquals(new float[] {3, 4}, gradient);
        assertEquals(1, p.optimizer().stepCount());
    }

    @Test
    void zeroMaxNormMeansNoClipping() {
        FlatParameters p = new FlatParameters(new float[] {1, 2}, Optimizers.create(OptimizerConfig.sgd(0.5), LAYOUT));
        assertEquals(5.0, p.step(new float[] {3, 4}, 0), 1e-12);
        assertArrayEquals(new float[] {1 - 1.5f, 2 - 2f}, p.toArray());
    }
}

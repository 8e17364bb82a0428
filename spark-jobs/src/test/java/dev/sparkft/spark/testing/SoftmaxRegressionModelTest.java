package dev.sparkft.spark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.Tensor;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The test model's analytic gradient against central finite differences of its loss, in double. */
class SoftmaxRegressionModelTest {

    @Test
    void gradientMatchesFiniteDifferences() {
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(Map.of("features", 4, "classes", 3, "seed", 5));
        Random r = new Random(1);
        int n = 6;
        float[] x = new float[n * 4];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
        }
        Batch batch = new Batch(Map.of("features", Tensor.ofFloats(x, n, 4), "label", Tensor.ofInts(y, n)));
        float[] p = model.initialParameters();
        for (int i = 12; i < 15; i++) {
            p[i] = (float) r.nextGaussian();   // non-zero biases, so their gradient is exercised too
        }
        model.setParameters(p);
        float[] analytic = new float[p.length];
        LossSum loss = model.accumulateGradient(batch, analytic);
        assertEquals(n, loss.weight());

        for (int i = 0; i < p.length; i++) {
            float[] plus = p.clone();
            float[] minus = p.clone();
            plus[i] += 1e-2f;
            minus[i] -= 1e-2f;
            double h = (double) plus[i] - minus[i];
            model.setParameters(plus);
            double lp = model.accumulateGradient(batch, new float[p.length]).loss();
            model.setParameters(minus);
            double lm = model.accumulateGradient(batch, new float[p.length]).loss();
            double numeric = (lp - lm) / h;
            assertEquals(numeric, analytic[i], 1e-4 * Math.max(1, Math.abs(numeric)), "parameter " + i);
        }
    }
}

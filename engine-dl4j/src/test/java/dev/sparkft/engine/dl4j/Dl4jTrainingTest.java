package dev.sparkft.engine.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.GradientClipping;
import dev.sparkft.optim.Optimizer;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.optim.ScheduleConfig;
import dev.sparkft.testing.Models;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The seam and the driver-side optimizer together, as the trainer uses them: gradient sums over two
 * micro-batches, divided once by the weight, clipped, AdamW with warmup; an MLP must learn three Gaussian
 * blobs in 16 dimensions.
 */
class Dl4jTrainingTest {

    @Test
    void mlpLearnsSeparableBlobsWithAdamW() {
        int n = 90;
        int d = 16;
        Random random = new Random(4);
        float[][] centres = new float[3][d];
        for (float[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = random.nextFloat();
            }
        }
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) Math.min(1, Math.max(0, centres[y[i]][j] + 0.1 * random.nextGaussian()));
            }
        }
        Batch all = Dl4jTestData.batch(x, y, d);
        Batch[] micro = {Dl4jTestData.rows(all, 0, 50), Dl4jTestData.rows(all, 50, n)};
        Map<String, Object> options = Map.of("architecture", "mlp", "inputShape", List.of(1, 4, 4),
                "numClasses", 3, "hidden", List.of(32));
        ModelSpec spec = new ModelSpec("dl4j", options);
        try (TrainableModel model = Models.create(spec)) {
            Optimizer adamw = Optimizers.create(
                    OptimizerConfig.adamW(0.01, 0.01, new ScheduleConfig("linear", 5, 60, 0.1)), model.layout());
            INDArray params = Nd4j.createFromArray(Models.initial(spec));
            double first = Double.NaN;
            double last = Double.NaN;
            for (int step = 0; step < 60; step++) {
                model.setParameters(params.toFloatVector());
                float[] sum = new float[model.layout().size()];
                LossSum loss = LossSum.ZERO;
                for (Batch b : micro) {
                    loss = loss.plus(model.accumulateGradient(b, sum));
                }
                INDArray gradient = Nd4j.createFromArray(sum).divi(loss.weight());
                GradientClipping.clipGlobalNorm(gradient, 1.0);
                adamw.step(params, gradient);
                first = step == 0 ? loss.mean() : first;
                last = loss.mean();
            }
            model.setParameters(params.toFloatVector());
            float[] p = model.predict(all).floats();
            int correct = 0;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < 3; c++) {
                    best = p[i * 3 + c] > p[i * 3 + best] ? c : best;
                }
                correct += best == y[i] ? 1 : 0;
            }
            System.out.printf("MLP + AdamW: loss %.4f -> %.4f, train accuracy %d/%d%n", first, last, correct, n);
            assertTrue(last < 0.2 * first, "loss went from " + first + " to " + last);
            assertTrue(correct >= 0.95 * n, correct + " of " + n + " correct");
        }
    }
}

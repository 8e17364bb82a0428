package dev.sparkft.spark.testing;

import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.spark.driver.GlobalBatchPlan;
import java.util.Map;

/**
 * Single-process training, no Spark: for each step the whole global batch from {@link GlobalBatchPlan} in
 * one forward/backward, gradient divided by the batch weight, then the optimizer. What the distributed
 * trainer must reproduce.
 */
public final class ReferenceTrainer {
    private ReferenceTrainer() {
    }

    public static float[] train(Blobs data, ModelSpec spec, OptimizerConfig optimizerConfig, long seed,
            int globalBatch, long steps) {
        ResolvedModel resolved = ModelEngines.resolve(spec);
        try (TrainableModel model = ModelEngines.create(resolved.architecture())) {
            return train(model, resolved.initialParameters(), data, optimizerConfig, seed, globalBatch, steps);
        }
    }

    private static float[] train(TrainableModel model, float[] initial, Blobs data, OptimizerConfig optimizerConfig,
            long seed, int globalBatch, long steps) {
        FlatParameters params = new FlatParameters(initial,
                Optimizers.create(optimizerConfig, model.layout()));
        GlobalBatchPlan plan = new GlobalBatchPlan(seed, data.labels().length, globalBatch);
        int dims = data.features()[0].length;
        for (long t = 0; t < steps; t++) {
            long[] batch = plan.batch(t);
            float[] x = new float[batch.length * dims];
            int[] y = new int[batch.length];
            for (int i = 0; i < batch.length; i++) {
                System.arraycopy(data.features()[(int) batch[i]], 0, x, i * dims, dims);
                y[i] = data.labels()[(int) batch[i]];
            }
            model.setParameters(params.toArray());
            float[] gradient = new float[model.layout().size()];
            LossSum loss = model.accumulateGradient(new Batch(Map.of("features", Tensor.ofFloats(x, batch.length, dims),
                    "label", Tensor.ofInts(y, batch.length))), gradient);
            for (int i = 0; i < gradient.length; i++) {
                gradient[i] = (float) (gradient[i] * (1.0 / loss.weight()));
            }
            params.step(gradient, 0);
        }
        return params.toArray();
    }

    /** ||a - b|| / ||b|| in double. */
    public static double relativeDifference(float[] a, float[] b) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < a.length; i++) {
            d += Math.pow((double) a[i] - b[i], 2);
            n += Math.pow(b[i], 2);
        }
        return Math.sqrt(d / n);
    }
}

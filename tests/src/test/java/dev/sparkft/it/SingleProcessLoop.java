package dev.sparkft.it;

import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.GlobalBatchPlan;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The loop the Spark trainer must reproduce, written without Spark: per step the whole global batch in one forward
 * and backward pass, the mean gradient, the config's optimizer. The exactness tests compare the trainer against it.
 */
final class SingleProcessLoop {
    private SingleProcessLoop() {
    }

    /** The parameters after {@code steps} steps over {@code rows} examples; {@code batch} assembles given members. */
    static float[] train(TrainConfig config, int rows, int steps, Function<int[], Batch> batch) {
        ResolvedModel resolved = ModelEngines.resolve(config.model());
        try (TrainableModel model = ModelEngines.create(resolved.architecture())) {
            FlatParameters params = new FlatParameters(resolved.initialParameters(),
                    Optimizers.create(config.optimizer(), model.layout()));
            GlobalBatchPlan plan = new GlobalBatchPlan(config.run().seed(), rows, config.training().globalBatch());
            for (long t = 0; t < steps; t++) {
                int[] members = Arrays.stream(plan.batch(t)).mapToInt(i -> (int) i).toArray();
                model.setParameters(params.toArray());
                float[] gradient = new float[model.layout().size()];
                LossSum loss = model.accumulateGradient(batch.apply(members), gradient);
                for (int i = 0; i < gradient.length; i++) {
                    gradient[i] = (float) (gradient[i] * (1.0 / loss.weight()));
                }
                params.step(gradient, config.clipping().maxGradNorm());
            }
            return params.toArray();
        }
    }
}

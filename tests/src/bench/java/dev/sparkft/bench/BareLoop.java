package dev.sparkft.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.GlobalBatchPlan;
import dev.sparkft.spark.driver.SparkSessions;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The bare single-process engine loop: the same model, global batches (same plan, same indices) and
 * optimizer as the trainer, each global batch in one forward/backward, no Spark (Spark only reads the
 * Parquet beforehand and is stopped before timing).
 */
final class BareLoop {
    private BareLoop() {
    }

    static ObjectNode run(Path repo, int warmup, int steps) {
        TrainConfig config = BenchSetup.config(repo, Path.of("unused"));
        SparkSession spark = SparkSessions.builder(config.run()).config("spark.ui.enabled", "false").getOrCreate();
        BenchSetup.Examples data = BenchSetup.load(spark, BenchSetup.sample(repo, "train"));
        spark.stop();
        GlobalBatchPlan plan = new GlobalBatchPlan(config.run().seed(), data.y().length, BenchSetup.GLOBAL_BATCH);
        ResolvedModel resolved = ModelEngines.resolve(config.model());
        try (TrainableModel model = ModelEngines.create(resolved.architecture())) {
            FlatParameters params = new FlatParameters(resolved.initialParameters(),
                    Optimizers.create(config.optimizer(), model.layout()));
            long compute = 0;
            long update = 0;
            long start = 0;
            for (int t = 0; t < warmup + steps; t++) {
                if (t == warmup) {
                    start = System.nanoTime();
                    compute = 0;
                    update = 0;
                }
                long t0 = System.nanoTime();
                model.setParameters(params.toArray());
                float[] gradient = new float[model.layout().size()];
                LossSum loss = model.accumulateGradient(data.batch(plan.batch(t)), gradient);
                long t1 = System.nanoTime();
                float scale = (float) (1.0 / loss.weight());
                for (int i = 0; i < gradient.length; i++) {
                    gradient[i] *= scale;
                }
                params.step(gradient, 0);
                compute += t1 - t0;
                update += System.nanoTime() - t1;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return FoundationBench.JSON.createObjectNode().put("samplesPerSec", steps * BenchSetup.GLOBAL_BATCH / seconds)
                    .put("stepMs", seconds * 1e3 / steps).put("computeMs", compute / 1e6 / steps)
                    .put("updateMs", update / 1e6 / steps).put("parameters", model.layout().size());
        }
    }
}

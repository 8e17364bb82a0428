package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cost of a round for a 22.7M-parameter model (MiniLM's size: 90.8 MB each way per worker), local[2]:
 * median round time split into the slowest worker's compute, the driver's update and the rest (Spark:
 * broadcast, scheduling, serialisation, tree reduce). Run with -Dsparkft.bench=true.
 */
@EnabledIfSystemProperty(named = "sparkft.bench", matches = "true")
class RoundCostBenchmark {
    @TempDir
    static Path dir;

    @Test
    void measure() {
        int dims = 4096;
        Blobs data = Blobs.write(TestSpark.session(), dir, 64, dims, 4, 1, -1);
        for (String mode : new String[] {"sync", "averaging"}) {
            TrainConfig config = TestRuns.config(data.path(), dir.resolve(mode),
                    "model.options.features=" + dims, "model.options.classes=5542", "training.steps=8",
                    "training.microBatch=8", "optimizer.learningRate=0.01", "training.mode=" + mode,
                    "training.averaging.localSteps=" + (mode.equals("sync") ? 1 : 4));
            TrainingResult r = TestRuns.train(config, false);
            long[] wall = r.rounds().stream().skip(1).mapToLong(RoundReport::wallNanos).sorted().toArray();
            long[] compute = r.rounds().stream().skip(1).mapToLong(RoundReport::computeNanos).sorted().toArray();
            long[] update = r.rounds().stream().skip(1).mapToLong(RoundReport::updateNanos).sorted().toArray();
            long[] overhead = r.rounds().stream().skip(1).mapToLong(RoundReport::overheadNanos).sorted().toArray();
            RoundReport first = r.rounds().get(0);
            System.out.printf("%s: %d params, %.1f MB per worker each way, steps/round %d: median round %.0f ms"
                            + " (compute %.0f, update %.0f, overhead %.0f); rounds %s ms%n",
                    mode, first.bytesToWorker() / 4, first.bytesToWorker() / 1e6, first.steps(), median(wall),
                    median(compute), median(update), median(overhead),
                    Arrays.toString(r.rounds().stream().mapToLong(x -> x.wallNanos() / 1_000_000).toArray()));
            assertEquals(8, r.endStep());
        }
    }

    private static double median(long[] sorted) {
        return sorted[sorted.length / 2] / 1e6;
    }
}

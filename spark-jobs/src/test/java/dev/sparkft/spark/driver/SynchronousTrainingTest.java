package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Synchronous training on Spark equals a single-process loop over the same global batches. */
class SynchronousTrainingTest {
    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 3, -1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void sameParametersAsSingleProcessWhateverThePartitionCount(int partitions) {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("run-" + partitions),
                "data.partitions=" + partitions, "optimizer.type=momentum", "optimizer.momentum=0.9",
                "optimizer.learningRate=0.1");
        TrainingResult result = TestRuns.train(config, false);

        float[] expected = ReferenceTrainer.train(data, config.model(), config.optimizer(),
                config.run().seed(), 16, 20);
        double diff = ReferenceTrainer.relativeDifference(result.params(), expected);
        System.out.printf("sync softmax, %d partitions vs single process: relative difference %.2e%n", partitions, diff);
        assertTrue(diff <= 1e-5, "relative difference " + diff + " with " + partitions + " partitions");
        assertEquals(20, result.rounds().size());
        assertEquals(20, result.endStep());
        // Every step saw exactly the global batch, and every non-empty partition sent one gradient.
        for (RoundReport r : result.rounds()) {
            assertEquals(16, r.examples());
            assertEquals(partitions, r.workers(), "each partition holds an equal share of every batch");
            assertEquals(4L * 18, r.bytesToWorker());
            assertEquals(0, r.bytesIntoDriver(), "local mode passes the sum by reference");
        }
        double[] losses = result.losses();
        assertTrue(mean(losses, 15, 20) < 0.7 * mean(losses, 0, 5), "loss should drop: " + java.util.Arrays.toString(losses));
    }

    @Test
    void referenceDiffersFromAnotherSeedSoTheComparisonIsMeaningful() {
        OptimizerConfig sgd = OptimizerConfig.sgd(0.5);
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("unused"));
        float[] a = ReferenceTrainer.train(data, config.model(), sgd, 11, 16, 20);
        float[] b = ReferenceTrainer.train(data, config.model(), sgd, 12, 16, 20);
        assertTrue(ReferenceTrainer.relativeDifference(a, b) > 1e-3);
    }

    /** The same exactness with a real engine: a DL4J MLP found through ServiceLoader like any model. */
    @Test
    void dl4jNetworkTrainsExactlyAsSingleProcess() throws Exception {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("dl4j"), "model.engine=dl4j",
                "model.options={architecture: mlp, inputShape: [1, 1, 5], numClasses: 3, hidden: [8]}",
                "optimizer.type=nesterov", "optimizer.momentum=0.9", "optimizer.learningRate=0.05",
                "training.steps=12");
        TrainingResult result = TestRuns.train(config, false);
        float[] expected = ReferenceTrainer.train(data, config.model(), config.optimizer(), config.run().seed(), 16, 12);
        double diff = ReferenceTrainer.relativeDifference(result.params(), expected);
        System.out.printf("sync DL4J MLP, 2 partitions vs single process: relative difference %.2e%n", diff);
        assertTrue(diff <= 1e-5, "DL4J MLP, 2 partitions vs single process: relative difference " + diff);
        double[] losses = result.losses();
        assertTrue(losses[11] < losses[0], "loss should drop: " + java.util.Arrays.toString(losses));
        // MFU's count for 5 -> 8 -> 3: forward 2·(5·8 + 8·3) = 128; backward both weights' gradients (128) and the
        // hidden activation's (2·8·3 = 48), not the input's.
        List<String> lines = Files.readAllLines(dir.resolve("dl4j/metrics.jsonl"));
        assertEquals(12, lines.size());
        for (String line : lines) {
            assertTrue(line.contains("\"flopsPerExample\":304.0,"), line);
        }
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }
}

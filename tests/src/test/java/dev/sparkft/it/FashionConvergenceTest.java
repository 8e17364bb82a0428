package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.testing.TestRuns;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first real workload end to end: examples/fashion-cnn.yaml (LeNet-style DL4J CNN, 80,202 parameters,
 * AdamW with linear warmup/decay, clipping) trained by the Spark trainer in local[2] on the shipped sample
 * (12,000 training images, 1,200 per class) for 3 epochs (561 steps of 64), evaluated at the end on
 * its 2,000 test images (200 per class).
 */
class FashionConvergenceTest {
    /**
     * The example's 5 epochs reach 86-87 %; 3, with the schedule shortened to match, reached 86.4 % (81.2 % and
     * 83.8 % after epochs 1 and 2) and keep the test shorter.
     */
    private static final int EPOCHS = 3;

    @TempDir
    Path dir;

    @Test
    void cnnReaches85PercentTestAccuracy() {
        Path root = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath().normalize();
        TrainConfig config = ConfigLoader.load(root.resolve("examples/fashion-cnn.yaml"), List.of(
                "run.outputDir=" + dir.resolve("run"), "checkpoint.dir=" + dir.resolve("run/checkpoints"),
                "data.train=" + FashionSlice.sample("train"), "data.validation=" + FashionSlice.sample("test"),
                "training.epochs=" + EPOCHS, "optimizer.schedule.totalSteps=" + EPOCHS * 187, "evaluation.everyEpochs=0"));
        long start = System.nanoTime();
        TrainingResult result = TestRuns.train(config, false);
        double seconds = (System.nanoTime() - start) / 1e9;
        ClassificationReport report = result.evaluations().get(result.evaluations().size() - 1).report();
        System.out.printf("Fashion-MNIST CNN: %d steps in %.0f s, test accuracy %.4f, macro F1 %.4f%n",
                result.endStep(), seconds, report.accuracy(), report.macroAvg().f1());
        assertEquals(2000, report.matrix().total());
        assertTrue(report.accuracy() >= 0.85, "test accuracy " + report.accuracy() + "\n" + report.format());
    }
}

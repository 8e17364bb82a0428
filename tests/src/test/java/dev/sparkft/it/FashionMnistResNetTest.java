package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.PrepareConfig;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.EvaluateJob;
import dev.sparkft.spark.driver.PrepareService;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.testing.TestSpark;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-size image recipe, examples/fashion-mnist-resnet18.yaml, on a subset small enough for CI: the shipped
 * Fashion-MNIST sample (real images) is written back as IDX files, {@code prepare} takes a stratified 3,000 of
 * its train and 1,000 of its test images to 3×64×64, and {@code train} runs the example's recipe (ResNet-18 from
 * random initialisation, batch statistics, AdamW, warm-up + cosine, flips) for 2 epochs at batch 64 (92 steps).
 * The bar, 0.75 test accuracy (chance 0.10), is what a network that learns reaches here and one that does not
 * (a wrong label mapping, broken normalisation, a frozen backbone) stays far below; the full run reaches
 * ≥ 0.93 (docs/benchmarks.md).
 */
class FashionMnistResNetTest {
    private static final double BAR = 0.75;

    @TempDir
    static Path dir;

    @Test
    void theExampleRecipeLearnsFashionMnistOnASubset() throws Exception {
        SparkSession spark = TestSpark.session();
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath();
        Path example = repo.resolve("examples/fashion-mnist-resnet18.yaml");
        Path raw = Files.createDirectories(dir.resolve("raw"));
        writeIdx(spark, repo.resolve("examples/data/fashion-mnist/train"), raw, "train");
        writeIdx(spark, repo.resolve("examples/data/fashion-mnist/test"), raw, "t10k");

        Path data = dir.resolve("data");
        Path out = dir.resolve("run");
        List<String> overrides = List.of(
                "prepare.train.images=" + raw.resolve("train-images"), "prepare.train.labels=" + raw.resolve("train-labels"),
                "prepare.train.limit=3000",
                "prepare.test.images=" + raw.resolve("t10k-images"), "prepare.test.labels=" + raw.resolve("t10k-labels"),
                "prepare.test.limit=1000", "prepare.output=" + data,
                "data.train=" + data.resolve("train"), "data.validation=" + data.resolve("test"),
                "run.outputDir=" + out, "checkpoint.dir=" + out.resolve("checkpoints"), "export.dir=" + out.resolve("model"),
                "training.globalBatch=64", "training.microBatch=32", "training.epochs=2",
                "optimizer.schedule.warmupSteps=10", "optimizer.schedule.totalSteps=92", "evaluation.everyEpochs=0");

        PrepareService.Outcome prepared = PrepareService.prepare(PrepareConfig.load(example.toString(), overrides),
                System.out);
        assertEquals(List.of(3, 64, 64), prepared.dataset().imageShape());

        TrainConfig config = ConfigLoader.load(example, overrides);
        TrainingService.train(config, false, System.out);
        String report = Files.readString(out.resolve("report.txt"));
        assertTrue(report.startsWith("end of run at step 92"), report);

        EvaluateJob.Outcome evaluated = EvaluateJob.run(config, null, List.of(), System.out);
        double accuracy = evaluated.result().report().accuracy();
        System.out.printf("ResNet-18 on 3,000 Fashion-MNIST images, 92 steps: test accuracy %.4f (bar %.2f)%n",
                accuracy, BAR);
        assertTrue(accuracy >= BAR, "test accuracy " + accuracy + " below " + BAR + "\n" + report);
    }

    /** A prepared 28×28 table ({@code features} = pixel / 255f, {@code label}) as the IDX image and label files. */
    private static void writeIdx(SparkSession spark, Path table, Path raw, String prefix) throws IOException {
        List<Row> rows = spark.read().parquet(table.toString()).select("features", "label").collectAsList();
        try (DataOutputStream images = new DataOutputStream(Files.newOutputStream(raw.resolve(prefix + "-images")));
                DataOutputStream labels = new DataOutputStream(Files.newOutputStream(raw.resolve(prefix + "-labels")))) {
            images.writeInt(0x803);
            images.writeInt(rows.size());
            images.writeInt(28);
            images.writeInt(28);
            labels.writeInt(0x801);
            labels.writeInt(rows.size());
            for (Row r : rows) {
                List<Float> features = r.getList(0);
                assertEquals(28 * 28, features.size());
                for (float f : features) {
                    images.writeByte(Math.round(f * 255f));
                }
                labels.writeByte(r.getInt(1));
            }
        }
    }
}

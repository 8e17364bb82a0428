package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.Tensor;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Synchronous training of a ResNet-18 (small stem, 3×8×8 images) with the default batch-norm mode (running
 * statistics) is the single-process loop, whatever the partition count: 20 AdamW steps of a 16-image global batch in
 * micro-batches of 4 on 1, 2 and 4 partitions against a loop written here without Spark that takes the whole global
 * batch in one forward and backward pass. Images are uint8 pixels in a binary Parquet column, as {@code prepare}
 * writes them.
 */
class DjlCnnExactnessTest {
    private static final int STEPS = 20;
    private static final int ROWS = 48;
    private static final int SIDE = 8;
    private static final int PIXELS = 3 * SIDE * SIDE;

    @TempDir
    static Path dir;
    static String trainPath;
    static List<byte[]> images = new ArrayList<>();
    static int[] labels = new int[ROWS];
    static float[] reference;

    @BeforeAll
    static void data() {
        // Label 1 when the left half is brighter than the right, so the loss has something to learn.
        Random random = new Random(17);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            byte[] pixels = new byte[PIXELS];
            int left = 0;
            int right = 0;
            for (int i = 0; i < PIXELS; i++) {
                int v = random.nextInt(192);
                pixels[i] = (byte) v;
                if (i % SIDE < SIDE / 2) {
                    left += v;
                } else {
                    right += v;
                }
            }
            labels[r] = left > right ? 1 : 0;
            for (int i = 0; i < PIXELS; i++) { // make the brighter half clearly brighter
                boolean leftHalf = i % SIDE < SIDE / 2;
                if (leftHalf == (labels[r] == 1)) {
                    pixels[i] = (byte) ((pixels[i] & 0xff) + 60);
                }
            }
            images.add(pixels);
            rows.add(RowFactory.create(pixels, labels[r]));
        }
        StructType schema = new StructType().add("pixels", DataTypes.BinaryType, false)
                .add("label", DataTypes.IntegerType, false);
        trainPath = dir.resolve("train").toString();
        TestSpark.session().createDataFrame(rows, schema).coalesce(1).write().parquet(trainPath);
        reference = SingleProcessLoop.train(config(1), ROWS, STEPS, DjlCnnExactnessTest::batch);
    }

    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 2, 4})
    void syncEqualsSingleProcess(int partitions) {
        TrainingResult result = TestRuns.train(config(partitions), false);
        double diff = ReferenceTrainer.relativeDifference(result.params(), reference);
        System.out.printf("DJL ResNet-18, %d partitions vs single process after %d steps: relative difference %.2e,"
                + " losses %s%n", partitions, STEPS, diff, Arrays.toString(result.losses()));
        assertTrue(diff <= 1e-5, partitions + " partitions: relative difference " + diff);
        assertTrue(result.losses()[STEPS - 1] < result.losses()[0] - 0.05, "the model trains: first loss "
                + result.losses()[0] + ", last " + result.losses()[STEPS - 1]);
    }

    /**
     * Under batch statistics ({@code model.options.batchNorm: batch}) each micro-batch is normalised by its own
     * statistics, so the model depends on how the global batch is cut into micro-batches: measured here on 1, 2 and 4
     * partitions and with micro-batches of 8 instead of 4, after 10 steps (printed; docs/benchmarks.md quotes them).
     * The running statistics move (they are trained state, averaged over micro-batches and partitions each round).
     */
    @org.junit.jupiter.api.Test
    void batchStatisticsDependOnTheMicroBatches() {
        TrainingResult base = TestRuns.train(config(1, "batch", 4, 10), false);
        float[] start = ModelEngines.resolve(config(1, "batch", 4, 10).model()).initialParameters();
        var layout = ModelEngines.resolve(config(1, "batch", 4, 10).model()).architecture()
                .details(dev.sparkft.cnn.CnnModelOptions.class).layout();
        var mean = layout.segment("bn1.running_mean");
        double moved = 0;
        for (long i = mean.offset(); i < mean.end(); i++) {
            moved = Math.max(moved, Math.abs(base.params()[(int) i] - start[(int) i]));
        }
        System.out.printf("DJL ResNet-18, batch statistics: bn1.running_mean moved by up to %.3f in 10 steps%n", moved);
        assertTrue(moved > 1e-3, "running statistics were not updated: " + moved);
        for (int partitions : new int[] {2, 4}) {
            double diff = ReferenceTrainer.relativeDifference(
                    TestRuns.train(config(partitions, "batch", 4, 10), false).params(), base.params());
            System.out.printf("DJL ResNet-18, batch statistics, %d partitions vs 1 (micro-batch 4): relative"
                    + " difference %.2e%n", partitions, diff);
        }
        double micro = ReferenceTrainer.relativeDifference(
                TestRuns.train(config(1, "batch", 8, 10), false).params(), base.params());
        System.out.printf("DJL ResNet-18, batch statistics, micro-batch 8 vs 4 (1 partition): relative difference"
                + " %.2e%n", micro);
        assertTrue(micro > 1e-4, "micro-batches of 8 and 4 should normalise differently: " + micro);
    }

    private static Batch batch(int[] members) {
        int n = members.length;
        float[] pixels = new float[n * PIXELS];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] image = images.get(members[i]);
            for (int j = 0; j < PIXELS; j++) {
                pixels[i * PIXELS + j] = (image[j] & 0xff) / 255f;
            }
            y[i] = labels[members[i]];
        }
        return new Batch(Map.of("pixels", Tensor.ofFloats(pixels, n, PIXELS), "label", Tensor.ofInts(y, n)));
    }

    private static TrainConfig config(int partitions) {
        return config(partitions, "frozen", 4, STEPS);
    }

    private static TrainConfig config(int partitions, String batchNorm, int microBatch, int steps) {
        String yaml = String.join("\n",
                "run: {name: cnn-exact, seed: 5, outputDir: " + dir.resolve(batchNorm + "-p" + partitions + "-m"
                        + microBatch) + "}",
                "data: {train: " + trainPath + ", partitions: " + partitions + "}",
                "model: {engine: djl-pytorch, options: {task: image-classification, architecture: resnet18, stem: small,"
                        + " imageSize: [3, " + SIDE + ", " + SIDE + "], numLabels: 2, seed: 3, batchNorm: " + batchNorm
                        + "}}",
                "training: {globalBatch: 16, microBatch: " + microBatch + ", steps: " + steps + "}",
                "optimizer: {type: momentum, learningRate: 2.0e-3, momentum: 0.9}",
                "logging: {everySteps: 10}",
                "");
        return ConfigLoader.parse(yaml, false, List.of());
    }
}

package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data.augment} in the synchronous trainer: augmented batches depend on (seed, epoch, example index) only,
 * so 1 and 2 partitions train the same parameters, and augmentation does change them.
 */
class AugmentedTrainingTest {
    static final int C = 3;
    static final int H = 8;
    static final int W = 8;

    @TempDir
    static Path dir;
    static String train;

    /** 48 uint8 3x8x8 images in a prepared dataset with its descriptor: class k brightens column band k. */
    @BeforeAll
    static void writeData() {
        SparkSession spark = TestSpark.session();
        Random random = new Random(5);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            int label = i % TestRuns.CLASSES;
            byte[] img = new byte[C * H * W];
            for (int p = 0; p < img.length; p++) {
                int x = p % W;
                img[p] = (byte) (random.nextInt(60) + (x / 3 == label ? 150 : 0));
            }
            rows.add(RowFactory.create(img, label));
        }
        StructType schema = new StructType().add("features", DataTypes.BinaryType).add("label", DataTypes.IntegerType);
        Path data = dir.resolve("images");
        train = data.resolve("train").toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(train);
        new PreparedDataset(new org.apache.hadoop.fs.Path(data.toUri()), PreparedDataset.IMAGE_CLASSIFICATION,
                List.of(new PreparedDataset.Column("features", "binary"), new PreparedDataset.Column("label", "int")),
                Map.of("train", PreparedDataset.Split.of("train", 48, Map.of(), Map.of())), List.of(), null, null,
                List.of(C, H, W)).write(new Configuration());
    }

    static TrainConfig config(String name, String... more) {
        List<String> overrides = new ArrayList<>(List.of("model.options.features=" + C * H * W, "training.steps=9",
                "optimizer.learningRate=0.05"));
        overrides.addAll(List.of(more));
        return TestRuns.config(train, dir.resolve(name), overrides.toArray(String[]::new));
    }

    @Test
    void oneAndTwoPartitionsSeeTheSameAugmentedBatches() {
        String[] augment = {"data.augment.column=features", "data.augment.seed=17"};
        float[] one = TestRuns.train(config("aug-1", concat(augment, "data.partitions=1")), false).params();
        float[] two = TestRuns.train(config("aug-2", concat(augment, "data.partitions=2")), false).params();
        float[] plain = TestRuns.train(config("plain-2", "data.partitions=2"), false).params();
        double partitions = ReferenceTrainer.relativeDifference(one, two);
        double augmentation = ReferenceTrainer.relativeDifference(plain, two);
        System.out.printf("augmented training, 1 vs 2 partitions: relative difference %.2e; augmented vs not %.2e%n",
                partitions, augmentation);
        assertTrue(partitions <= 1e-6, "1 vs 2 partitions: relative difference " + partitions);
        assertTrue(augmentation > 1e-3, "augmentation changes the trained parameters: " + augmentation);
    }

    @Test
    void augmentationNeedsABinaryImageColumnWithARecordedShape() {
        IllegalArgumentException column = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(
                config("bad-column", "data.augment.column=label"), false));
        assertTrue(column.getMessage().contains("data.augment.column 'label' must be a binary image column"),
                column.getMessage());
        IllegalArgumentException scale = assertThrows(IllegalArgumentException.class,
                () -> config("bad-scale", "data.augment.scale=[0.5, 2]"));
        assertTrue(scale.getMessage().contains("data.augment: crop scale range"), scale.getMessage());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

package dev.sparkft.data.image;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_min;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Fashion-MNIST sample shipped under examples/data/fashion-mnist is readable and as its README says. */
class FashionSampleTest {
    static final Path SAMPLE = Path.of("..", "examples", "data", "fashion-mnist");
    static final int TRAIN_PER_CLASS = 1200;
    static final int TEST_PER_CLASS = 200;

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    @Test
    void trainAndTestHaveTheDocumentedSchemaAndBalancedClasses() {
        assertTable("train", TRAIN_PER_CLASS);
        assertTable("test", TEST_PER_CLASS);
        assertEquals(0, spark.read().parquet(SAMPLE.resolve("_rejects").toString()).count());
        assertTrue(Files.isRegularFile(SAMPLE.resolve("COPYRIGHT")), "the licence travels with the data");
    }

    /**
     * The test sample holds real t10k images: those that are among the first 500 of t10k (the IDX slice in test
     * resources) carry the slice's label. About a fifth of the slice is expected in a 2,000-of-10,000 sample.
     */
    @Test
    void testSampleRowsAreRealT10kImagesWithTheirLabels() {
        LabelledImages slice = LabelledImages.read(IdxReaderTest.IMAGES, IdxReaderTest.LABELS);
        Map<String, Integer> labelByPixels = new HashMap<>();
        for (int i = 0; i < slice.count(); i++) {
            labelByPixels.put(new String(slice.images().item(i), StandardCharsets.ISO_8859_1),
                    slice.labels().unsignedAt(i));
        }
        int matched = 0;
        for (Row r : spark.read().parquet(SAMPLE.resolve("test").toString()).collectAsList()) {
            List<Float> f = r.getList(0);
            byte[] pixels = new byte[f.size()];
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = (byte) Math.round(f.get(p) * 255f);
            }
            Integer label = labelByPixels.get(new String(pixels, StandardCharsets.ISO_8859_1));
            if (label != null) {
                assertEquals(label.intValue(), r.getInt(1));
                matched++;
            }
        }
        assertTrue(matched > 60 && matched < 140, matched + " of 500 slice images in the 2,000-image sample");
    }

    private static void assertTable(String split, int perClass) {
        Dataset<Row> df = spark.read().parquet(SAMPLE.resolve(split).toString());
        assertEquals(ImageDatasetPrepTest.DATASET, df.schema(), split);
        long[] counts = new long[10];
        for (Row r : df.groupBy("label").count().collectAsList()) {
            counts[r.getInt(0)] = r.getLong(1);
        }
        long[] expected = new long[10];
        java.util.Arrays.fill(expected, perClass);
        assertArrayEquals(expected, counts, split + " rows per class");
        Row stats = df.agg(min(size(col("features"))), max(size(col("features"))),
                min(array_min(col("features"))), max(array_max(col("features")))).first();
        assertEquals(784, stats.getInt(0), split);
        assertEquals(784, stats.getInt(1), split);
        assertEquals(0f, stats.getFloat(2), split + ": darkest pixel");
        assertEquals(1f, stats.getFloat(3), split + ": brightest pixel");
    }
}

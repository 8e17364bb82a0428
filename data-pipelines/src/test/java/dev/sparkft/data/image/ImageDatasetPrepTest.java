package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prep job in local Spark on the real 500-item Fashion-MNIST slice and on corrupted copies of it. */
class ImageDatasetPrepTest {
    /** Per-class counts of the slice, from Python (see {@link IdxReaderTest}). */
    static final int[] SLICE_CLASSES = {55, 52, 65, 46, 57, 39, 47, 47, 44, 48};
    /** As Spark reads Parquet back: every field nullable. */
    static final StructType DATASET = new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, true), true)
            .add("label", DataTypes.IntegerType, true);

    static SparkSession spark;
    static LabelledImages slice;
    static Map<String, Integer> itemByPixels = new HashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
        slice = LabelledImages.read(IdxReaderTest.IMAGES, IdxReaderTest.LABELS);
        for (int i = 0; i < slice.count(); i++) {
            itemByPixels.put(new String(slice.images().item(i), java.nio.charset.StandardCharsets.ISO_8859_1), i);
        }
    }

    @Test
    void writesStratifiedTrainValidationAndTestTables() throws IOException {
        IdxSource src = new IdxSource(IdxReaderTest.IMAGES, IdxReaderTest.LABELS, 0);
        ImagePrepConfig config = new ImagePrepConfig(src, new IdxSource(src.images(), src.labels(), 100),
                tmp.resolve("out").toString(), 10, 0.2, 7L, 2);
        PrepReport report = ImageDatasetPrep.run(spark, config);

        Map<Integer, Integer> train = readBack("out/train");
        Map<Integer, Integer> validation = readBack("out/validation");
        Map<Integer, Integer> test = readBack("out/test");
        assertEquals(0, report.rejects());
        assertEquals(0, spark.read().parquet(tmp.resolve("out/_rejects").toString()).count());

        // every item of the slice lands in exactly one of train / validation, with its own label
        Set<Integer> all = new TreeSet<>(train.keySet());
        all.addAll(validation.keySet());
        assertEquals(500, all.size());
        assertEquals(500, train.size() + validation.size());
        // per class: round(0.2 * n_k) validation items, the rest train
        long[] expectedValidation = new long[10];
        long[] expectedTrain = new long[10];
        for (int k = 0; k < 10; k++) {
            expectedValidation[k] = Math.round(0.2 * SLICE_CLASSES[k]);
            expectedTrain[k] = SLICE_CLASSES[k] - expectedValidation[k];
        }
        assertArrayEquals(expectedValidation, classCounts(validation));
        assertArrayEquals(expectedTrain, classCounts(train));
        assertArrayEquals(expectedValidation, report.classCounts().get("validation"));
        assertArrayEquals(expectedTrain, report.classCounts().get("train"));

        // test: 100 of 500, each class within one item of its share
        assertEquals(100, test.size());
        long[] testCounts = classCounts(test);
        for (int k = 0; k < 10; k++) {
            assertTrue(Math.abs(testCounts[k] - SLICE_CLASSES[k] / 5.0) < 1.0, "class " + k + ": " + testCounts[k]);
        }
        // nothing temporary is left next to the tables
        try (Stream<Path> files = Files.list(tmp.resolve("out"))) {
            assertEquals(List.of("_rejects", "dataset.json", "test", "train", "validation"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void splitDoesNotDependOnThePartitionCount() {
        IdxSource src = new IdxSource(IdxReaderTest.IMAGES, IdxReaderTest.LABELS, 300);
        ImageDatasetPrep.run(spark, new ImagePrepConfig(src, null, tmp.resolve("a").toString(), 10, 0.25, 11L, 2));
        ImageDatasetPrep.run(spark, new ImagePrepConfig(src, null, tmp.resolve("b").toString(), 10, 0.25, 11L, 3));
        Map<Integer, Integer> train = readBack("a/train");
        Map<Integer, Integer> validation = readBack("a/validation");
        assertEquals(train, readBack("b/train"));
        assertEquals(validation, readBack("b/validation"));
        assertEquals(300, train.size() + validation.size());
        assertFalse(Files.exists(tmp.resolve("a/test")));
    }

    @Test
    void badLabelsGoToRejectsWithAReason() throws IOException {
        byte[] labels = IdxReaderTest.gunzip(IdxReaderTest.LABELS);
        labels[8 + 3] = 10;
        labels[8 + 10] = (byte) 255;
        labels[8 + 42] = (byte) 255;
        Path bad = Files.write(tmp.resolve("bad-labels-idx1-ubyte"), labels);
        IdxSource src = new IdxSource(IdxReaderTest.IMAGES, bad, 0);
        PrepReport report = ImageDatasetPrep.run(spark,
                new ImagePrepConfig(src, null, tmp.resolve("out").toString(), 10, 0.0, 1L, 2));

        assertEquals(Map.of("label 10 outside [0, 10)", 1L, "label 255 outside [0, 10)", 2L),
                report.rejectsByReason());
        assertEquals(497, readBack("out/train").size());
        List<Row> rejects = spark.read().parquet(tmp.resolve("out/_rejects").toString())
                .orderBy("index").collectAsList();
        assertEquals(List.of("source", "index", "split", "label", "reason"),
                List.of(spark.read().parquet(tmp.resolve("out/_rejects").toString()).columns()));
        assertEquals(3, rejects.size());
        assertEquals(RowFactory.create(IdxReaderTest.IMAGES.getFileName().toString(), 3L, "train", 10,
                "label 10 outside [0, 10)"), rejects.get(0));
        assertEquals(10L, rejects.get(1).getLong(1));
        assertEquals(42L, rejects.get(2).getLong(1));
    }

    @Test
    void wrongPixelCountIsRejectedByTheConverter() {
        byte[] ok = slice.images().item(0);
        byte[] shortOne = java.util.Arrays.copyOf(ok, 783);
        Dataset<Row> raw = spark.createDataFrame(List.of(
                RowFactory.create("f", 0L, "train", 9, ok),
                RowFactory.create("f", 1L, "train", 9, shortOne)), ImageRows.RAW);
        List<Row> out = ImageRows.convert(raw, 784, 10).orderBy("index").collectAsList();
        assertNull(out.get(0).get(5));
        assertEquals(784, out.get(0).getList(3).size());
        assertEquals("expected 784 pixels, got 783", out.get(1).getString(5));
        assertTrue(out.get(1).isNullAt(3));
    }

    @Test
    void anExistingOutputIsRefusedAndMismatchedTestImagesFailBeforeWriting() throws IOException {
        IdxSource src = new IdxSource(IdxReaderTest.IMAGES, IdxReaderTest.LABELS, 80);
        String first0 = tmp.resolve("out").toString();
        PrepReport first = ImageDatasetPrep.run(spark, new ImagePrepConfig(src, null, first0, 10, 0.0, 1L, 2));
        assertEquals(80, first.dataset().require("train").rows());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () -> ImageDatasetPrep.run(spark,
                new ImagePrepConfig(new IdxSource(src.images(), src.labels(), 50), null, first0, 10, 0.0, 1L, 2)));
        assertTrue(again.getMessage().contains("already exists"), again.getMessage());
        assertEquals(80, readBack("out/train").size());
        String out = tmp.resolve("out2").toString();

        // 2 images of 3x3: a test set that does not match the 28x28 training images
        byte[] header = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3};
        Path small = Files.write(tmp.resolve("small-images"), java.util.Arrays.copyOf(header, 16 + 18));
        Path smallLabels = Files.write(tmp.resolve("small-labels"), new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 1, 2});
        String mismatched = out;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageDatasetPrep.run(spark,
                new ImagePrepConfig(src, new IdxSource(small, smallLabels, 0), mismatched, 10, 0.0, 1L, 2)));
        assertTrue(e.getMessage().contains(small + " holds 3x3 images") && e.getMessage().contains("28x28"),
                e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("out2")), "nothing written by a failed run");
    }

    @Test
    void anImageSizeWritesUint8PixelsFittedToIt() {
        IdxSource src = new IdxSource(IdxReaderTest.IMAGES, IdxReaderTest.LABELS, 60);
        ImageShape rgb32 = new ImageShape(3, 32, 32);
        PrepReport big = ImageDatasetPrep.run(spark, new ImagePrepConfig(src, null, tmp.resolve("rgb32").toString(), 10,
                0.0, 3L, 2, List.of(), rgb32));
        PrepReport same = ImageDatasetPrep.run(spark, new ImagePrepConfig(src, null, tmp.resolve("gray28").toString(),
                10, 0.0, 3L, 2, List.of(), new ImageShape(1, 28, 28)));
        assertEquals(List.of(3, 32, 32), big.dataset().imageShape());
        assertEquals(List.of(1, 28, 28), same.dataset().imageShape());
        assertEquals(List.of(new dev.sparkft.data.dataset.PreparedDataset.Column("pixels", "binary"),
                new dev.sparkft.data.dataset.PreparedDataset.Column("label", "int")), big.dataset().columns());

        // at the source's own size the pixels are the IDX bytes; at 3x32x32 they are each item's fitted image
        Map<String, Integer> fitted = new HashMap<>();
        for (int i = 0; i < slice.count(); i++) {
            fitted.put(new String(DecodedImage.gray(slice.images().item(i), 28, 28).toPixels(rgb32),
                    java.nio.charset.StandardCharsets.ISO_8859_1), i);
        }
        List<Row> rows = spark.read().parquet(tmp.resolve("rgb32/train").toString()).collectAsList();
        assertEquals(60, rows.size());
        for (Row r : rows) {
            byte[] p = (byte[]) r.get(0);
            assertEquals(3 * 32 * 32, p.length);
            Integer item = fitted.get(new String(p, java.nio.charset.StandardCharsets.ISO_8859_1));
            assertTrue(item != null, "a row that is no slice image fitted to 3x32x32");
            assertEquals(slice.labels().unsignedAt(item), r.getInt(1));
        }
        for (Row r : spark.read().parquet(tmp.resolve("gray28/train").toString()).collectAsList()) {
            Integer item = itemByPixels.get(new String((byte[]) r.get(0), java.nio.charset.StandardCharsets.ISO_8859_1));
            assertTrue(item != null, "28x28 gray pixels are the IDX item's bytes");
            assertEquals(slice.labels().unsignedAt(item), r.getInt(1));
        }
    }

    @Test
    void theDefaultFloatFeaturesRecordTheSourceShape() {
        IdxSource src = new IdxSource(IdxReaderTest.IMAGES, IdxReaderTest.LABELS, 20);
        PrepReport r = ImageDatasetPrep.run(spark, new ImagePrepConfig(src, null, tmp.resolve("f").toString(), 10, 0.0,
                3L, 1));
        assertEquals(List.of(1, 28, 28), r.dataset().imageShape());
        assertEquals("features", r.dataset().columns().get(0).name());
    }

    /** Reads a written table, checks its schema and values, and maps it back to slice items: item -> label. */
    private Map<Integer, Integer> readBack(String table) {
        Dataset<Row> df = spark.read().parquet(tmp.resolve(table).toString());
        assertEquals(DATASET, df.schema());
        Map<Integer, Integer> items = new HashMap<>();
        for (Row r : df.collectAsList()) {
            List<Float> f = r.getList(0);
            assertEquals(784, f.size());
            byte[] pixels = new byte[784];
            for (int p = 0; p < 784; p++) {
                int v = Math.round(f.get(p) * 255f);
                assertEquals(v / 255f, f.get(p), 0f, "pixel values are exactly byte / 255");
                pixels[p] = (byte) v;
            }
            Integer item = itemByPixels.get(new String(pixels, java.nio.charset.StandardCharsets.ISO_8859_1));
            assertTrue(item != null, "row does not match any slice image");
            assertEquals(slice.labels().unsignedAt(item), r.getInt(1), "label of item " + item);
            assertNull(items.put(item, r.getInt(1)), "item " + item + " written twice");
        }
        return items;
    }

    private static long[] classCounts(Map<Integer, Integer> items) {
        long[] counts = new long[10];
        items.values().forEach(l -> counts[l]++);
        return counts;
    }
}

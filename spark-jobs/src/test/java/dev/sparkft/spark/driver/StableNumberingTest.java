package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * Example numbering is a property of the data, not of the machine: the same Parquet files read with other
 * split settings (what another core count or {@code run.master} gives) number every example the same way,
 * with the same fingerprint; changed data is refused on resume.
 */
class StableNumberingTest {
    @TempDir
    static Path dir;

    /** Five Parquet files of different sizes; the feature vector's first value is the row's id. */
    private static String writeFiles(String name, int n, float shift) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Float[] x = {(float) i + shift, 0.5f, -0.5f, 1f, 2f};
            rows.add(RowFactory.create((long) i, x, i % TestRuns.CLASSES));
        }
        String path = dir.resolve(name).toString();
        Dataset<Row> df = TestSpark.session().createDataFrame(rows, Blobs.SCHEMA);
        // Rows grouped by floor(log2(id + 1)) into 5 files of different sizes, in one write job: Spark packs splits
        // by size, largest first, so its scan order is not the files' order.
        df.withColumn("f", functions.floor(functions.log2(functions.col("id").plus(1)))).repartition(5,
                functions.col("f")).drop("f").write().mode(SaveMode.Overwrite).parquet(path);
        try (Stream<Path> files = Files.list(Path.of(path))) {
            assertTrue(files.filter(p -> p.toString().endsWith(".parquet")).count() >= 3, "several files");
        }
        return path;
    }

    /**
     * Example index -> the row's id, as the trainer numbers them (reading the model's columns, as training does,
     * for the same fingerprint) under the given split settings.
     */
    private static Map<Long, Long> numbering(String path, long maxPartitionBytes, long[] fingerprint) {
        SparkSession spark = TestSpark.session();
        String before = spark.conf().get("spark.sql.files.maxPartitionBytes");
        spark.conf().set("spark.sql.files.maxPartitionBytes", Long.toString(maxPartitionBytes));
        spark.conf().set("spark.sql.files.openCostInBytes", Long.toString(Math.min(maxPartitionBytes, 4194304)));
        try (IndexedDataset data = IndexedDataset.load(spark, path, List.of("features", "label"), List.of(), 3)) {
            fingerprint[0] = data.fingerprint();
            Map<Long, Long> out = new TreeMap<>();
            for (Tuple2<Long, Row> t : data.rows().collect()) {
                out.put(t._1(), (long) ((Number) t._2().getList(0).get(0)).floatValue());
            }
            return out;
        } finally {
            spark.conf().set("spark.sql.files.maxPartitionBytes", before);
            spark.conf().unset("spark.sql.files.openCostInBytes");
        }
    }

    @Test
    void numberingAndFingerprintDoNotDependOnHowFilesAreSplit() throws IOException {
        String path = writeFiles("files", 200, 0f);
        long[] a = new long[1];
        long[] b = new long[1];
        Map<Long, Long> whole = numbering(path, 128L * 1024 * 1024, a);
        Map<Long, Long> split = numbering(path, 600, b);
        assertEquals(200, whole.size());
        assertEquals(whole, split);
        assertEquals(a[0], b[0]);
    }

    @Test
    void resumingOnChangedDataIsRefused() throws IOException {
        String path = writeFiles("changing", 64, 0f);
        TrainConfig config = TestRuns.config(path, dir.resolve("changing-run"), "training.steps=4");
        TestRuns.train(config, false);

        writeFiles("changing", 64, 0.25f); // same rows and count, other values
        long[] now = new long[1];
        numbering(path, 128L * 1024 * 1024, now);
        TrainConfig more = TestRuns.config(path, dir.resolve("changing-run"), "training.steps=8");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(more, true));
        assertTrue(e.getMessage().contains("is not what the checkpoint's run trained on (data fingerprint "
                + Long.toHexString(now[0])), e.getMessage());
    }

    @Test
    void movedDataResumes() throws IOException {
        String path = writeFiles("original", 64, 0f);
        TrainConfig config = TestRuns.config(path, dir.resolve("moved-run"), "training.steps=4");
        TestRuns.train(config, false);
        String moved = Files.move(Path.of(path), dir.resolve("elsewhere")).toString();
        assertNotEquals(path, moved);
        TrainingResult resumed = TestRuns.train(TestRuns.config(moved, dir.resolve("moved-run"), "training.steps=6"),
                true);
        assertEquals(4, resumed.startStep());
    }
}

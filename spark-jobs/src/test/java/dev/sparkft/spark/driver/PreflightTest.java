package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What would fail hours into a run fails before step 1, naming the file, the row and the key: labels the
 * model cannot take, rows of the wrong size (training and validation sets), an unwritable checkpoint folder,
 * a fresh run over another run's checkpoints.
 */
class PreflightTest {
    @TempDir
    static Path dir;
    static Blobs good;

    @BeforeAll
    static void writeData() {
        good = Blobs.write(TestSpark.session(), dir, 64, TestRuns.DIMS, TestRuns.CLASSES, 5, -1);
    }

    /** {@code n} rows of {@code dims} features, label {@code i % 3} except {@code badLabel} at row {@code badRow}. */
    private static String write(String name, int n, int dims, int badRow, int badLabel) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Float[] x = new Float[dims];
            for (int j = 0; j < dims; j++) {
                x[j] = (float) (i % 3 + 0.1 * j);
            }
            rows.add(RowFactory.create((long) i, x, i == badRow ? badLabel : i % 3));
        }
        String path = dir.resolve(name).toString();
        TestSpark.session().createDataFrame(rows, Blobs.SCHEMA).coalesce(1).write().mode(SaveMode.Overwrite)
                .parquet(path);
        return path;
    }

    private static String partFile(String table) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(table))) {
            return files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".parquet")).findFirst()
                    .orElseThrow();
        }
    }

    private static void assertNothingTrained(TrainConfig config) {
        assertFalse(Files.exists(Path.of(config.logging().metricsFile())), "no metrics: nothing was trained");
        assertTrue(new CheckpointStore(config.checkpoint().dir(), TestSpark.session().sparkContext()
                .hadoopConfiguration(), 3).list().isEmpty(), "no checkpoint: nothing was trained");
    }

    @Test
    void aLabelOutsideTheModelsClassesNamesTheFileAndRow() throws IOException {
        String table = write("bad-label", 50, TestRuns.DIMS, 17, 7);
        TrainConfig config = TestRuns.config(table, dir.resolve("bad-label-run"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(config, false));
        assertTrue(e.getMessage().contains(partFile(table) + " row 17: column 'label' holds 7, the model takes 0..2"
                + " (model.options.classes = 3)"), e.getMessage());
        assertNothingTrained(config);
    }

    @Test
    void rowsOfTheWrongSizeAreRefused() {
        String table = write("short-rows", 40, TestRuns.DIMS - 1, -1, 0);
        TrainConfig config = TestRuns.config(table, dir.resolve("short-rows-run"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(config, false));
        assertTrue(e.getMessage().contains("row 0: column 'features' has 4 values, the model takes 5"
                + " (model.options.features = 5)"), e.getMessage());
        assertNothingTrained(config);
    }

    @Test
    void aBadValidationRowIsFoundBeforeTrainingNotAtTheEnd() throws IOException {
        String validation = write("bad-validation", 30, TestRuns.DIMS, 29, -1);
        TrainConfig config = TestRuns.config(good.path(), dir.resolve("bad-validation-run"),
                "data.validation=" + validation);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(config, false));
        assertTrue(e.getMessage().startsWith("dataset " + validation + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(partFile(validation) + " row 29: column 'label' holds -1"), e.getMessage());
        assertNothingTrained(config);
    }

    @Test
    void anUnwritableCheckpointFolderIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        TrainConfig config = TestRuns.config(good.path(), dir.resolve("unwritable"),
                "checkpoint.dir=" + file.resolve("checkpoints"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(config, false));
        assertTrue(e.getMessage().startsWith("checkpoint.dir " + file.resolve("checkpoints") + " is not writable"),
                e.getMessage());
    }

    @Test
    void aFreshRunOverAnotherRunsCheckpointsIsRefused() {
        TrainConfig config = TestRuns.config(good.path(), dir.resolve("twice"), "training.steps=2");
        TestRuns.train(config, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(config, false));
        assertTrue(e.getMessage().contains("already holds checkpoints of a run (newest step-000000000002.ckpt):"
                + " add --resume"), e.getMessage());
        assertEquals(2, new CheckpointStore(config.checkpoint().dir(),
                TestSpark.session().sparkContext().hadoopConfiguration(), 3).latest().orElseThrow().step());
    }
}

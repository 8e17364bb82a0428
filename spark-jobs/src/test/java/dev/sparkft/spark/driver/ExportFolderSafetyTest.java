package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.SoftmaxRegressionEngine;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export.dir} replaces only an earlier export: a folder of the user's (a typo, {@code .}, a data folder)
 * is refused before training and left as it was. Missing export inputs are refused before training too.
 */
class ExportFolderSafetyTest {
    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 64, TestRuns.DIMS, TestRuns.CLASSES, 3, -1);
    }

    private static TrainingResult train(String name, Path exportDir, String... more) {
        String[] overrides = new String[more.length + 3];
        overrides[0] = "export.dir=" + exportDir;
        overrides[1] = "training.steps=3";
        overrides[2] = "evaluation.labels=[a, b, c]";
        System.arraycopy(more, 0, overrides, 3, more.length);
        TrainConfig config = TestRuns.config(data.path(), dir.resolve(name), overrides);
        return TrainingService.train(config, false, new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void aFolderThatIsNotAnExportIsRefusedBeforeTrainingAndKept() throws IOException {
        Path users = Files.createDirectories(dir.resolve("users-data"));
        Files.writeString(users.resolve("precious.csv"), "id,value\n1,2\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train("typo", users));
        assertTrue(e.getMessage().startsWith("export.dir: " + users + " exists and is not a SparkFT export"),
                e.getMessage());
        assertEquals("id,value\n1,2\n", Files.readString(users.resolve("precious.csv")));
        assertFalse(Files.exists(dir.resolve("typo/checkpoints")), "nothing may be trained");
    }

    @Test
    void theWorkingDirectoryIsRefused() {
        Path cwd = Path.of(".").toAbsolutePath().normalize();
        long before = cwd.toFile().list().length;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train("dot", Path.of(".")));
        assertTrue(e.getMessage().contains("is not a SparkFT export"), e.getMessage());
        assertEquals(before, cwd.toFile().list().length);
    }

    @Test
    void aFileIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("model.bin"), "not a folder");
        assertThrows(IllegalArgumentException.class, () -> train("file", file));
        assertEquals("not a folder", Files.readString(file));
    }

    @Test
    void anEarlierExportIsReplacedByTheNewOne() throws IOException {
        Path export = dir.resolve("export");
        TrainingResult first = train("first", export);
        assertTrue(Files.isRegularFile(export.resolve(ModelExport.MARKER)));
        assertArrayEquals(first.params(), SoftmaxRegressionEngine.readExport(export));

        TrainingResult second = train("second", export, "training.steps=5");
        assertArrayEquals(second.params(), SoftmaxRegressionEngine.readExport(export));
        assertTrue(Files.isRegularFile(export.resolve(ModelExport.MARKER)));
        try (var siblings = Files.list(dir)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().startsWith(".export.")),
                    "no temporary or old folder may be left next to the export");
        }
    }

    @Test
    void missingExportInputsAreRefusedBeforeTraining() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train("labels", dir.resolve("never"), "evaluation.labels=[a, b]"));
        assertTrue(e.getMessage().startsWith("export.dir is set but the export would fail: 2 class names [a, b]"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("labels/checkpoints")), "nothing may be trained");
    }
}

package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run folder has one writer at a time, and a resumed run's metrics hold every step once. */
class RunFolderTest {
    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 64, TestRuns.DIMS, TestRuns.CLASSES, 12, -1);
    }


    @Test
    void aResumedRunRecordsEachStepOnce() throws IOException {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("resume"), "training.steps=10",
                "checkpoint.everySteps=3", "checkpoint.everyEpochs=0", "checkpoint.keepLast=5");
        TestRuns.train(config, false);
        // As if the process died after step 8's metrics line but before the end-of-run checkpoint.
        Files.delete(Path.of(config.checkpoint().dir(), "step-000000000010.ckpt"));
        Path metrics = Path.of(config.logging().metricsFile());
        Files.writeString(metrics, Files.readString(metrics) + "{\"step\": 10, \"lo");

        TrainingResult resumed = TestRuns.train(TestRuns.config(data.path(), dir.resolve("resume"),
                "training.steps=12", "checkpoint.everySteps=3", "checkpoint.everyEpochs=0", "checkpoint.keepLast=5"),
                true);
        assertEquals(9, resumed.startStep());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L), TestRuns.roundSteps(metrics));
    }

    @Test
    @SuppressWarnings("try") // the lock is held for the block's duration, never read
    void aSecondRunInTheSameFolderIsRefusedNamingTheFirst() {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("busy"), "training.steps=2");
        try (RunLock held = RunLock.acquire(Path.of(config.run().outputDir()), "the-first")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrainingService.train(config, false, new PrintStream(OutputStream.nullOutputStream())));
            assertTrue(e.getMessage().startsWith("run.outputDir " + config.run().outputDir() + " is in use by run"
                    + " 'the-first' (pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        TrainingResult after = TrainingService.train(config, false, new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(2, after.endStep());
    }
}

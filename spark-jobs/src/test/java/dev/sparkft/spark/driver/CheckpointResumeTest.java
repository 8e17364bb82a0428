package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: exact resume, keep-last-N, damaged files ignored, mismatches refused. */
class CheckpointResumeTest {
    @TempDir
    static Path dir;
    static Blobs data;

    /** AdamW with warmup and decay: moments, bias correction and schedule must all continue exactly. */
    private static final String[] ADAMW = {"optimizer.type=adamw", "optimizer.learningRate=0.1",
            "optimizer.weightDecay=0.01", "optimizer.schedule.type=linear", "optimizer.schedule.warmupSteps=3",
            "optimizer.schedule.totalSteps=20"};

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 9, -1);
    }

    private static TrainConfig config(String name, String... more) {
        String[] all = Stream.concat(Stream.of(ADAMW), Stream.of(more)).toArray(String[]::new);
        return TestRuns.config(data.path(), dir.resolve(name), all);
    }

    @Test
    void tenStepsPlusResumeEqualsTwentyStraightBitForBit() {
        TrainingResult straight = TestRuns.train(config("straight"), false);

        TrainingResult firstHalf = TestRuns.train(config("halves", "training.steps=10"), false);
        assertEquals(10, firstHalf.endStep());
        TrainingResult secondHalf = TestRuns.train(config("halves"), true);

        assertEquals(10, secondHalf.startStep());
        assertEquals(10, secondHalf.rounds().size());
        assertArrayEquals(straight.params(), secondHalf.params());
        assertEquals(straight.optimizerState().step(), secondHalf.optimizerState().step());
        assertEquals(List.of("exp_avg", "exp_avg_sq"), List.copyOf(straight.optimizerState().buffers().keySet()));
        for (String buffer : straight.optimizerState().buffers().keySet()) {
            assertArrayEquals(straight.optimizerState().buffers().get(buffer),
                    secondHalf.optimizerState().buffers().get(buffer), buffer);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(straight.losses(), 10, 20), secondHalf.losses());
    }

    @Test
    void keepsTheLastNAndSkipsDamagedFiles() throws IOException {
        TrainConfig c = config("keep", "checkpoint.everySteps=4", "checkpoint.everyEpochs=0", "checkpoint.keepLast=2");
        TestRuns.train(c, false);
        CheckpointStore store = new CheckpointStore(c.checkpoint().dir(),
                TestSpark.session().sparkContext().hadoopConfiguration(), 2);
        List<String> names = store.list().stream().map(p -> p.getName()).toList();
        assertEquals(List.of("step-000000000016.ckpt", "step-000000000020.ckpt"), names);

        // Truncate the newest file (as a crash during a copy would) and leave a half-written temporary file.
        Path newest = Path.of(c.checkpoint().dir(), "step-000000000020.ckpt");
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Files.deleteIfExists(Path.of(c.checkpoint().dir(), ".step-000000000020.ckpt.crc"));
        Files.write(Path.of(c.checkpoint().dir(), "_tmp-step-000000000024.ckpt-x"), new byte[] {1, 2, 3});

        Checkpoint latest = store.latest().orElseThrow();
        assertEquals(16, latest.step());
        TrainingResult resumed = TestRuns.train(c, true);
        assertEquals(16, resumed.startStep());
        assertEquals(4, resumed.rounds().size());
    }

    @Test
    void refusesAnotherLayoutOrAnotherTrajectory() {
        TestRuns.train(config("refuse", "training.steps=4"), false);

        TrainConfig otherModel = config("refuse", "model.options.classes=4");
        IllegalArgumentException layout = assertThrows(IllegalArgumentException.class,
                () -> TestRuns.train(otherModel, true));
        assertTrue(layout.getMessage().contains("layout"), layout.getMessage());

        TrainConfig otherLr = config("refuse", "optimizer.learningRate=0.2");
        IllegalArgumentException lr = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(otherLr, true));
        assertTrue(lr.getMessage().contains("'optimizer.learningRate' was 0.1 in the checkpoint's run, now 0.2"),
                lr.getMessage());

        // Partitions and micro-batch size do not change the trajectory: resuming with others is allowed.
        TrainingResult ok = TestRuns.train(config("refuse", "data.partitions=3", "training.microBatch=16"), true);
        assertEquals(4, ok.startStep());
    }

    /** A scheduler passes --resume on every attempt: the first attempt has nothing to resume and starts the run. */
    @Test
    void resumeWithoutCheckpointStartsTheRun() {
        TrainingResult straight = TestRuns.train(config("fresh-straight", "training.steps=6"), false);
        TrainingResult resumed = TrainingService.train(config("fresh-resume", "training.steps=6"), true, System.out);
        assertEquals(0, resumed.startStep());
        assertEquals(6, resumed.endStep());
        assertArrayEquals(straight.params(), resumed.params());
    }

    /**
     * A retried or re-run scheduler task of a finished run: {@code --resume} neither trains nor touches the
     * metrics, checkpoints or report; a changed config (more steps) is not "finished" and continues.
     */
    @Test
    void resumingAFinishedRunIsANoOpUntilTheConfigChanges() throws IOException {
        TrainConfig six = config("finished", "training.steps=6", "checkpoint.everySteps=3",
                "data.validation=" + data.path());
        TrainingResult first = TrainingService.train(six, false, System.out);
        assertEquals(6, first.endStep());
        Path out = dir.resolve("finished");
        Path metrics = Path.of(six.logging().metricsFile());
        String metricsBefore = Files.readString(metrics);
        List<Path> checkpointsBefore = listFiles(Path.of(six.checkpoint().dir()));
        long reportTime = Files.getLastModifiedTime(out.resolve("report.txt")).toMillis();

        TrainingResult again = TrainingService.train(six, true, System.out);
        assertEquals(6, again.startStep());
        assertEquals(6, again.endStep());
        assertTrue(again.rounds().isEmpty(), "a finished run trained again");
        assertEquals(metricsBefore, Files.readString(metrics));
        assertEquals(checkpointsBefore, listFiles(Path.of(six.checkpoint().dir())));
        assertEquals(reportTime, Files.getLastModifiedTime(out.resolve("report.txt")).toMillis());

        TrainingResult longer = TrainingService.train(config("finished", "training.steps=9",
                "checkpoint.everySteps=3", "data.validation=" + data.path()), true, System.out);
        assertEquals(6, longer.startStep());
        assertEquals(9, longer.endStep());
        assertEquals(3, longer.rounds().size());
    }

    private static List<Path> listFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }
}

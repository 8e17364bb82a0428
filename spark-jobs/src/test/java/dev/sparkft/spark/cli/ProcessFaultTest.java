package dev.sparkft.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.driver.Checkpoint;
import dev.sparkft.spark.driver.CheckpointStore;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.ChildJvm;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults a scheduler or a full disk inflicts on {@code bin/sparkft}, each in a real child process: SIGTERM
 * stops the run after a checkpoint of its last step (exit 143), and a checkpoint that does not fit on the disk
 * fails with one line, leaves no partial file and keeps the previous checkpoint resumable.
 */
class ProcessFaultTest {
    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        // Uncompressed: under the file-size limit snappy-java could not unpack its native library to read it.
        String codec = TestSpark.session().conf().get("spark.sql.parquet.compression.codec");
        TestSpark.session().conf().set("spark.sql.parquet.compression.codec", "uncompressed");
        try {
            data = Blobs.write(TestSpark.session(), dir, 64, TestRuns.DIMS, TestRuns.CLASSES, 21, -1);
        } finally {
            TestSpark.session().conf().set("spark.sql.parquet.compression.codec", codec);
        }
    }

    private static Path config(String name, int classes, String... lines) throws IOException {
        List<String> all = new ArrayList<>(List.of(
                "run: {name: " + name + ", outputDir: " + dir.resolve(name) + "}",
                "data: {train: " + data.path() + "}",
                "model: {engine: test-softmax, options: {features: " + TestRuns.DIMS + ", classes: " + classes + "}}",
                "optimizer: {type: sgd, learningRate: 0.05}"));
        all.addAll(List.of(lines));
        return Files.write(dir.resolve(name + ".yaml"), all);
    }

    private static CheckpointStore store(String name) {
        return new CheckpointStore(dir.resolve(name).resolve("checkpoints").toString(),
                TestSpark.session().sparkContext().hadoopConfiguration(), 3);
    }


    @Test
    void sigtermCheckpointsTheLastStepAndExits143() throws Exception {
        Path cfg = config("sigterm", TestRuns.CLASSES, "training: {globalBatch: 16, steps: 1000000}",
                "checkpoint: {everyEpochs: 0}", "logging: {everySteps: 100000}");
        Path metrics = dir.resolve("sigterm").resolve("metrics.jsonl");
        ChildJvm child = ChildJvm.sparkft(dir, "", List.of("train", "--config", cfg.toString()));
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= 20)) {
            assertTrue(child.process().isAlive(), () -> "the run ended early, exit " + child.process().exitValue()
                    + ":\n" + child.stdout() + child.stderr());
            assertTrue(System.nanoTime() < deadline, "no 20 steps within 120 s: " + child.stderr());
            Thread.sleep(100);
        }
        // SIGTERM through the handle: Process.destroy() would also close the pipes and lose what the child says.
        child.process().toHandle().destroy();
        assertEquals(143, child.waitFor(60), child.stderr());

        String err = child.stderr();
        assertTrue(err.contains("sparkft: SIGTERM: stopping after the current round and its checkpoint"), err);
        Checkpoint last = store("sigterm").latest().orElseThrow();
        assertTrue(err.contains("sparkft: stopped on request after step " + last.step() + "; its checkpoint is in "),
                err);
        List<Long> steps = TestRuns.roundSteps(metrics);
        assertEquals(last.step(), steps.size());
        assertEquals(last.step() - 1, steps.get(steps.size() - 1));

        TrainingResult resumed = TestRuns.train(ConfigLoader.load(cfg, List.of("training.steps=" + (last.step() + 3))),
                true);
        assertEquals(last.step(), resumed.startStep());
    }

    @Test
    void aFullDiskDuringACheckpointFailsInOneLineAndKeepsThePreviousOne() throws Exception {
        // 20,000 classes: a 400 KB checkpoint, far above everything else the run writes.
        Path cfg = config("full", 20_000, "training: {globalBatch: 16, steps: 4}",
                "checkpoint: {everySteps: 2, everyEpochs: 0}");
        TestRuns.train(ConfigLoader.load(cfg, List.of()), false);
        long size = Files.size(dir.resolve("full/checkpoints/step-000000000004.ckpt"));
        assertTrue(size > 300_000, "checkpoint of " + size + " bytes");

        // A file-size limit of 150 KB stands in for a full disk: the write fails with EFBIG (Hadoop's FSError).
        ChildJvm full = ChildJvm.sparkft(dir, "ulimit -f 150", List.of("train", "--config", cfg.toString(),
                "--set", "training.steps=8", "--resume"));
        assertEquals(1, full.waitFor(120), full.stderr());
        List<String> ours = full.stderr().lines().filter(l -> l.startsWith("sparkft: ")).toList();
        assertEquals(1, ours.size(), full.stderr());
        assertTrue(ours.get(0).startsWith("sparkft: training failed: cannot write checkpoint "), ours.get(0));
        assertTrue(ours.get(0).contains("File too large"), ours.get(0));
        assertFalse(full.stderr().contains("\tat "), "no stack trace: " + full.stderr());
        try (Stream<Path> files = Files.list(dir.resolve("full/checkpoints"))) {
            assertEquals(List.of("step-000000000002.ckpt", "step-000000000004.ckpt"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(4, store("full").latest().orElseThrow().step());

        TrainingResult resumed = TestRuns.train(ConfigLoader.load(cfg, List.of("training.steps=8")), true);
        assertEquals(4, resumed.startStep());
    }
}

package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.optim.OptimizerState;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints survive damage and failed writes: a corrupt length field makes a file skipped (never an
 * OutOfMemoryError), {@code best.ckpt} is replaced by a rename, a failed write leaves no temporary file and
 * the earlier checkpoints intact, stale temporary files are swept when a run starts, and a checkpoint is
 * kept per epoch by default and before the end-of-run evaluation.
 */
class CheckpointDurabilityTest {
    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 64, TestRuns.DIMS, TestRuns.CLASSES, 8, -1);
    }

    private static CheckpointStore store(Path d) {
        return new CheckpointStore(d.toString(), TestSpark.session().sparkContext().hadoopConfiguration(), 3);
    }

    private static Checkpoint checkpoint(long step, float value) {
        float[] params = new float[1000];
        java.util.Arrays.fill(params, value);
        Map<String, float[]> buffers = new LinkedHashMap<>();
        buffers.put("m", params.clone());
        return new Checkpoint(step, 0, 64, "abc", "fp", "{}", params, new OptimizerState("sgd", step, buffers), List.of());
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCorruptLengthFieldFallsBackToTheOlderCheckpoint() throws IOException {
        Path d = dir.resolve("corrupt");
        CheckpointStore store = store(d);
        store.save(checkpoint(4, 1f));
        Path newest = Path.of(store.save(checkpoint(8, 2f)).toUri().getPath());

        // The header length (after the 8-byte magic and the 4-byte version) set near 2 GB.
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.seek(12);
            f.writeInt(Integer.MAX_VALUE - 8);
        }
        IOException header = assertThrows(IOException.class,
                () -> store.read(new org.apache.hadoop.fs.Path(newest.toUri())));
        assertTrue(header.getMessage().startsWith("damaged header length " + (Integer.MAX_VALUE - 8)),
                header.getMessage());
        assertEquals(4, store.latest().orElseThrow().step());

        // A parameter count in the header that does not match the file, same header length.
        Path other = Path.of(store.save(checkpoint(12, 3f)).toUri().getPath());
        byte[] bytes = Files.readAllBytes(other);
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("\"parameters\":1000",
                "\"parameters\":9999");
        Files.write(other, text.getBytes(StandardCharsets.ISO_8859_1));
        IOException e = assertThrows(IOException.class, () -> store.read(new org.apache.hadoop.fs.Path(other.toUri())));
        assertTrue(e.getMessage().contains("do not match the file"), e.getMessage());
        assertEquals(4, store.latest().orElseThrow().step());
    }

    @Test
    void bestIsReplacedByRenameAndNoSideFilesAreLeft() throws IOException {
        Path d = dir.resolve("best");
        CheckpointStore store = store(d);
        store.saveBest(checkpoint(3, 1f));
        store.saveBest(checkpoint(6, 2f));
        Checkpoint best = store.read(new org.apache.hadoop.fs.Path(d.resolve(CheckpointStore.BEST).toUri()));
        assertEquals(6, best.step());
        assertEquals(2f, best.params()[0]);
        assertEquals(List.of(CheckpointStore.BEST), names(d), "no temporary or .crc files");
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileAndEarlierCheckpointsIntact() throws IOException {
        Path d = dir.resolve("failed");
        CheckpointStore store = store(d);
        store.save(checkpoint(4, 1f));
        // A folder in the way of the next checkpoint's name: the rename cannot replace it.
        Files.createDirectories(d.resolve("step-000000000008.ckpt").resolve("in-the-way"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> store.save(checkpoint(8, 2f)));
        assertTrue(e.getMessage().startsWith("cannot write checkpoint "), e.getMessage());
        assertTrue(e.getMessage().contains("earlier checkpoints in " + d + " are intact"), e.getMessage());
        assertEquals(List.of("step-000000000004.ckpt", "step-000000000008.ckpt"), names(d));
        assertArrayEquals(checkpoint(4, 1f).params(), store.latest().orElseThrow().params());
    }

    @Test
    void staleTemporaryFilesAreSweptWhenARunStarts() throws IOException {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("sweep"), "training.steps=2");
        Path ckpt = Files.createDirectories(Path.of(config.checkpoint().dir()));
        Files.write(ckpt.resolve("_tmp-step-000000000004.ckpt-dead"), new byte[] {1, 2, 3});
        TestRuns.train(config, false);
        assertEquals(List.of("step-000000000002.ckpt"), names(ckpt));
    }

    @Test
    void checkpointsEveryEpochByDefault() throws IOException {
        // 64 examples in batches of 16: epochs of 4 steps; 10 steps end mid-epoch, saved at the end.
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("epochs"), "training.steps=10");
        assertEquals(0, config.checkpoint().everySteps());
        assertEquals(1, config.checkpoint().everyEpochs());
        TestRuns.train(config, false);
        assertEquals(List.of("step-000000000004.ckpt", "step-000000000008.ckpt", "step-000000000010.ckpt"),
                names(Path.of(config.checkpoint().dir())));
    }

    @Test
    void aFailureInTheLastEvaluationKeepsTheTrainedSteps() throws IOException {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("late-failure"), "training.steps=6",
                "data.validation=" + data.path(), "checkpoint.everyEpochs=0", "evaluation.everyEpochs=0");
        // report.txt cannot be written: a folder holds its name.
        Files.createDirectories(Path.of(config.run().outputDir(), "report.txt", "in-the-way"));
        assertThrows(RuntimeException.class, () -> TestRuns.train(config, false));
        assertEquals(6, store(Path.of(config.checkpoint().dir())).latest().orElseThrow().step());
        assertFalse(names(Path.of(config.checkpoint().dir())).stream().anyMatch(n -> n.startsWith("_tmp")));
    }
}

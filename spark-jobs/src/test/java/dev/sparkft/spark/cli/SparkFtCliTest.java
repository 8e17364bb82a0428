package dev.sparkft.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: arguments to config to training, exit codes and one-line errors. */
class SparkFtCliTest {
    @TempDir
    static Path dir;
    static Path config;
    static Blobs nan;

    @BeforeAll
    static void writeDataAndConfig() throws Exception {
        Blobs data = Blobs.write(TestSpark.session(), dir, 64, TestRuns.DIMS, TestRuns.CLASSES, 2, -1);
        nan = Blobs.write(TestSpark.session(), dir, 64, TestRuns.DIMS, TestRuns.CLASSES, 2, 0);
        config = dir.resolve("run.yaml");
        Files.writeString(config, String.join("\n",
                "run: {name: cli, outputDir: " + dir.resolve("out") + "}",
                "data: {train: " + data.path() + "}",
                "model: {engine: test-softmax, options: {features: 5, classes: 3}}",
                "training: {globalBatch: 16, microBatch: 8, steps: 4}",
                "optimizer: {type: adamw, learningRate: 0.05}",
                ""));
    }


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void trainsThenResumes() {
        CliRun first = run("train", "--config", config.toString());
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("sparkft: trained steps 0..4 of run 'cli'"), first.out());

        CliRun second = run("train", "--config", config.toString(), "--set", "training.steps=6", "--resume");
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("sparkft: trained steps 4..6 of run 'cli'"), second.out());
    }

    @Test
    void badArgumentsAndConfigsExitWithTwoAndOneLine() {
        CliRun noConfig = run("train");
        assertEquals(2, noConfig.code());
        assertEquals("sparkft: --config FILE is required; " + SparkFtCli.TRAIN_USAGE + "\n", noConfig.err());

        CliRun typo = run("train", "--config", config.toString(), "--set", "training.glbalBatch=8");
        assertEquals(2, typo.code());
        assertTrue(typo.err().startsWith("sparkft: " + config + ": unknown key 'training.glbalBatch'"), typo.err());
        assertEquals(1, typo.err().lines().count());

        CliRun command = run("fit");
        assertEquals(2, command.code());
        assertTrue(command.err().startsWith("sparkft: unknown command 'fit'"), command.err());
    }

    @Test
    void badModelOptionsAndDataExitWithTwo() {
        CliRun option = run("train", "--config", config.toString(), "--set", "model.options.clases=3");
        assertEquals(2, option.code());
        assertTrue(option.err().startsWith("sparkft: unknown option 'model.options.clases'"), option.err());

        CliRun missing = run("train", "--config", config.toString(), "--set", "data.train=" + dir.resolve("nope"),
                "--set", "run.outputDir=" + dir.resolve("missing"));
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("sparkft: cannot read Parquet dataset " + dir.resolve("nope")),
                missing.err());
        assertEquals(1, missing.err().lines().count());

        // A bad validation set is found before training, not after it.
        CliRun validation = run("train", "--config", config.toString(), "--set",
                "data.validation=" + dir.resolve("nope-val"), "--set", "run.outputDir=" + dir.resolve("val"));
        assertEquals(2, validation.code());
        assertTrue(validation.err().startsWith("sparkft: cannot read Parquet dataset " + dir.resolve("nope-val")),
                validation.err());
        assertTrue(validation.out().isEmpty(), "no step may run: " + validation.out());
    }

    /** A weights path that is not there is refused before any Spark work, naming the key and the path. */
    @Test
    void aMissingWeightsPathExitsWithTwoNamingTheKey() {
        String gone = dir.resolve("no-such-model").toUri().toString();
        String[] args = {"train", "--config", config.toString(), "--set", "model.engine=djl-pytorch",
                "--set", "model.options={task: sequence-classification, numLabels: 2, weights: \"" + gone + "\"}",
                "--set", "run.outputDir=" + dir.resolve("weights-missing")};
        CliRun missing = run(args);
        assertEquals(2, missing.code(), missing.err());
        assertEquals("sparkft: option 'model.options.weights': " + dir.resolve("no-such-model") + " does not exist\n",
                missing.err());
        assertFalse(Files.exists(dir.resolve("weights-missing")), "nothing was started or written");
    }

    @Test
    void heapIsSizedFromTheModel() {
        CliRun heap = run("heap", "--config", config.toString(), "--resume");
        assertEquals(0, heap.code(), heap.err());
        assertEquals("1792m\n", heap.out(), "18 parameters: the fixed 1.5 GiB and a little, rounded up");
        // MiniLM with a 2-class head (22,713,986 parameters) on 2 partitions: 1.5 GiB + 10 x 86.6 MiB.
        assertEquals(2560, HeapSize.megabytes(22_713_986, 0, 2));
        assertEquals(2816, HeapSize.megabytes(22_713_986, 0, 4));
        // LoRA r 8 on query/value: 74,498 trained values, the other 22,713,216 frozen (held twice): 1.5 GiB + 176 MiB.
        assertEquals(1792, HeapSize.megabytes(74_498, 22_713_216, 2));
        CliRun bad = run("heap", "--config", config.toString(), "--set", "model.options.clases=3");
        assertEquals(2, bad.code());
    }

    @Test
    void refusedResumesExitWithTwo() {
        CliRun first = run("train", "--config", config.toString(), "--set", "run.outputDir=" + dir.resolve("other"));
        assertEquals(0, first.code(), first.err());
        CliRun otherRun = run("train", "--config", config.toString(), "--set", "optimizer.learningRate=0.5",
                "--set", "run.outputDir=" + dir.resolve("other"), "--resume");
        assertEquals(2, otherRun.code());
        assertTrue(otherRun.err().startsWith("sparkft: cannot resume from "), otherRun.err());
        assertEquals(1, otherRun.err().lines().count());
        // bf16 on the wire changes the trajectory; the chunk size does not.
        CliRun bf16 = run("train", "--config", config.toString(), "--set", "training.communication.precision=bf16",
                "--set", "run.outputDir=" + dir.resolve("other"), "--resume");
        assertEquals(2, bf16.code(), bf16.err());
        assertTrue(bf16.err().contains("'training.communication"), bf16.err());
        CliRun chunks = run("train", "--config", config.toString(), "--set", "training.communication.chunkBytes=64",
                "--set", "run.outputDir=" + dir.resolve("other"), "--resume");
        assertEquals(0, chunks.code(), chunks.err());

        CliRun again = run("train", "--config", config.toString(), "--set", "run.outputDir=" + dir.resolve("other"));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already holds checkpoints of a run"), again.err());
    }

    @Test
    void trainingFailuresExitWithOne() {
        CliRun nonFinite = run("train", "--config", config.toString(), "--set", "data.train=" + nan.path(),
                "--set", "run.outputDir=" + dir.resolve("nan"));
        assertEquals(1, nonFinite.code());
        assertTrue(nonFinite.err().matches("sparkft: training stopped at step \\d+: non-finite loss or gradient.*\\n"),
                nonFinite.err());
    }
}

package dev.sparkft.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkft prepare} then {@code sparkft train} on one config over the shipped spam sample
 * (examples/data/spam: 1,200 train, 300 test messages): prepare writes {@code <run.outputDir>/data} with the
 * counts, rejects and label names in its descriptor; train reuses it without tokenising again; a second prepare
 * is a no-op. The model is a tiny random BERT over the MiniLM vocabulary, so training takes seconds.
 */
class PrepareThenTrainTest {
    @TempDir
    static Path dir;


    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void prepareWritesWhatTrainThenReuses() throws Exception {
        TestSpark.session();  // the shared session: both jobs use it and leave it running
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".."));
        Path out = dir.resolve("run");
        Path config = Files.writeString(dir.resolve("spam.yaml"), String.join("\n",
                "run: {name: prepare-then-train, seed: 42, outputDir: " + out + "}",
                "data:",
                "  train: " + repo.resolve("examples/data/spam/train"),
                "  validation: " + repo.resolve("examples/data/spam/test"),
                "  partitions: 2",
                "  text: {textColumn: text, labelColumn: label, maxLength: 32, tokenizer: bundled:all-minilm-l6-v2}",
                "model:",
                "  engine: djl-pytorch",
                "  options: {task: sequence-classification, numLabels: 2, seed: 7, config: {vocab_size: 30522,"
                        + " hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64,"
                        + " max_position_embeddings: 64}}",
                "training: {globalBatch: 16, microBatch: 8, steps: 3}",
                "optimizer: {type: adamw, learningRate: 1.0e-3}",
                "logging: {everySteps: 1}",
                ""));

        CliRun prepared = run("prepare", "--config", config.toString());
        assertEquals(0, prepared.code(), prepared.err());
        assertTrue(prepared.out().contains("sparkft: tokenising [train, validation]"), prepared.out());
        PreparedDataset d = PreparedDataset.read(new org.apache.hadoop.fs.Path(out.resolve("data").toUri()),
                new Configuration());
        assertEquals(PreparedDataset.TEXT_CLASSIFICATION, d.kind());
        assertEquals(List.of("ham", "spam"), d.labels());
        assertEquals(1200, d.require("train").rows() + d.require("train").rejected(), "every shipped message counted");
        assertEquals(300, d.require("validation").rows() + d.require("validation").rejected());
        assertEquals(d.require("train").rows(), d.require("train").rowsByLabel().get("ham")
                + d.require("train").rowsByLabel().get("spam"));
        assertEquals(d.require("train").rows(),
                TestSpark.session().read().parquet(out.resolve("data/train").toString()).count());
        assertEquals(Map.of("tokenizer", PreparedDataset.TOKENIZER_FILE), Map.of("tokenizer", d.tokenizer()));
        long written = Files.getLastModifiedTime(out.resolve("data").resolve(PreparedDataset.FILE)).toMillis();

        CliRun again = run("prepare", "--config", config.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("already holds this dataset (same inputs and settings): nothing to do"),
                again.out());

        CliRun trained = run("train", "--config", config.toString());
        assertEquals(0, trained.code(), trained.err());
        assertTrue(trained.out().contains("reusing tokenised data"), trained.out());
        assertTrue(!trained.out().contains("tokenising"), "train must not tokenise again: " + trained.out());
        assertTrue(trained.out().contains("sparkft: trained steps 0..3 of run 'prepare-then-train'"), trained.out());
        assertEquals(written, Files.getLastModifiedTime(out.resolve("data").resolve(PreparedDataset.FILE)).toMillis());
        assertTrue(trained.out().contains("         ham ") && trained.out().contains("        spam "),
                "the report names the classes from the descriptor: " + trained.out());

        CliRun changed = run("prepare", "--config", config.toString(), "--set", "data.text.maxLength=64");
        assertEquals(2, changed.code());
        assertTrue(changed.err().contains("maxLength was 32, now 64"), changed.err());
    }
}

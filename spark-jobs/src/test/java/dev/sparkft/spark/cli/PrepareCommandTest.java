package dev.sparkft.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkft prepare} on the repository's small real fixtures (CoNLL-2003 samples, the first 500 Fashion-MNIST
 * test images in IDX, SpamAssassin messages): the dataset folder and its descriptor, a re-run that does nothing,
 * and the refusals (exit 2, one line, nothing written) of missing inputs, other settings over an existing dataset,
 * a folder that is no dataset and unknown keys.
 */
class PrepareCommandTest {
    static final Path REPO = Path.of(System.getProperty("sparkft.repoRoot", ".."));
    static final Path CONLL = REPO.resolve("examples/data/conll");
    static final Path IDX = REPO.resolve("data-pipelines/src/test/resources/fashion-mnist");
    static final Path SPAM = REPO.resolve("data-pipelines/src/test/resources/spamassassin/data");

    @TempDir
    static Path dir;

    @BeforeAll
    static void session() {
        TestSpark.session();  // the shared session: prepare uses it and leaves it running
    }


    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    static Path config(String name, String... lines) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    static PreparedDataset read(Path folder) {
        return PreparedDataset.read(new org.apache.hadoop.fs.Path(folder.toUri()), new Configuration());
    }

    @Test
    void conllFilesBecomeATokenClassificationDatasetAndARerunDoesNothing() throws IOException {
        Path out = dir.resolve("ner");
        Path config = config("ner.yaml",
                "prepare:",
                "  format: conll",
                "  output: " + out,
                "  splits: {train: [" + CONLL.resolve("conll2003-en.sample") + "], validation: "
                        + CONLL.resolve("conll2003-de.sample") + "}",
                "  tokenizer: bundled:all-minilm-l6-v2",
                "  maxLength: 32");
        CliRun first = run("prepare", "--config", config.toString());
        assertEquals(0, first.code(), first.err());
        PreparedDataset d = read(out);
        assertEquals(PreparedDataset.TOKEN_CLASSIFICATION, d.kind());
        assertEquals(List.of("train", "validation"), List.copyOf(d.splits().keySet()));
        assertEquals(2, d.require("train").rows(), "two English sentences");
        assertEquals(2, d.require("validation").rows(), "two German sentences");
        assertEquals(List.of("B-LOC", "B-MISC", "B-ORG", "B-PER", "I-LOC", "I-MISC", "I-ORG", "I-PER", "O")
                .containsAll(d.labels()), true, d.labels().toString());
        assertTrue(d.labels().contains("O"));
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids", "labels"),
                d.columns().stream().map(PreparedDataset.Column::name).toList());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")) && Files.isRegularFile(out.resolve("labels.json")));
        List<Row> rows = TestSpark.session().read().parquet(out.resolve("train").toString()).collectAsList();
        assertEquals(2, rows.size());
        assertEquals(32, rows.get(0).getList(0).size());
        assertTrue(first.out().contains("sparkft: train: 2 rows {}, 0 rejected"), first.out());
        d.checkSchema("train", TestSpark.session().read().parquet(out.resolve("train").toString()).schema());

        long written = Files.getLastModifiedTime(out.resolve(PreparedDataset.FILE)).toMillis();
        CliRun again = run("prepare", "--config", config.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("already holds this dataset (same inputs and settings): nothing to do"),
                again.out());
        assertEquals(written, Files.getLastModifiedTime(out.resolve(PreparedDataset.FILE)).toMillis());

        CliRun changed = run("prepare", "--config", config.toString(), "--set", "prepare.maxLength=64");
        assertEquals(2, changed.code());
        assertEquals("sparkft: output " + out + " already holds a dataset prepared from other inputs or settings"
                + " (maxLength was 32, now 64); remove it or choose another output\n", changed.err());

        // an explicit tag list: sentences with another tag go to the rejects, with the reason
        CliRun tags = run("prepare", "--config", config.toString(), "--set", "prepare.output=" + dir.resolve("ner-tags"),
                "--set", "prepare.labels=[O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC]");
        assertEquals(0, tags.code(), tags.err());
        PreparedDataset t = read(dir.resolve("ner-tags"));
        assertEquals(List.of("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"), t.labels());
        long rejected = t.require("train").rejected() + t.require("validation").rejected();
        assertTrue(rejected > 0, "sentences with MISC tags are rejected");
        assertEquals(Map.of("unknown tag", t.require("train").rejected()), t.require("train").rejected() == 0 ? Map.of()
                : t.require("train").rejectedByReason());
        assertEquals(t.require("train").rejected(), TestSpark.session().read()
                .parquet(dir.resolve("ner-tags/train/_rejects").toString()).count());
    }

    @Test
    void idxImagesBecomeAnImageDatasetWithClassNames() throws IOException {
        Path out = dir.resolve("fashion");
        Path config = config("fashion.json", "{\"prepare\": {\"format\": \"idx\", \"output\": \"" + out + "\",",
                " \"train\": {\"images\": \"" + IDX.resolve("t10k-first500-images-idx3-ubyte.gz") + "\", \"labels\": \""
                        + IDX.resolve("t10k-first500-labels-idx1-ubyte.gz") + "\", \"limit\": 200},",
                " \"validationFraction\": 0.25, \"partitions\": 2, \"seed\": 7,",
                " \"labels\": [\"T-shirt/top\", \"Trouser\", \"Pullover\", \"Dress\", \"Coat\", \"Sandal\", \"Shirt\",",
                "            \"Sneaker\", \"Bag\", \"Ankle boot\"]},",
                " \"run\": {\"name\": \"fashion-prep\"}}");
        CliRun first = run("prepare", "--config", config.toString());
        assertEquals(0, first.code(), first.err());
        PreparedDataset d = read(out);
        assertEquals(PreparedDataset.IMAGE_CLASSIFICATION, d.kind());
        assertEquals(200, d.require("train").rows() + d.require("validation").rows());
        // a quarter of each class, rounded per class
        assertTrue(Math.abs(d.require("validation").rows() - 50) <= 5, d.require("validation").toString());
        assertEquals(d.require("validation").rows(),
                TestSpark.session().read().parquet(out.resolve("validation").toString()).count());
        assertEquals(d.require("train").rows(), TestSpark.session().read().parquet(out.resolve("train").toString()).count());
        assertEquals(List.of("features", "label"), d.columns().stream().map(PreparedDataset.Column::name).toList());
        assertEquals("array<float>", d.columns().get(0).type());
        assertEquals(d.require("train").rows(), d.require("train").rowsByLabel().values().stream()
                .mapToLong(Long::longValue).sum());
        assertTrue(d.require("train").rowsByLabel().containsKey("Ankle boot"), d.require("train").rowsByLabel().toString());
        assertTrue(first.out().contains("sparkft: validation: " + d.require("validation").rows() + " rows {"),
                first.out());

        CliRun again = run("prepare", "--config", config.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("nothing to do"), again.out());
        CliRun otherSeed = run("prepare", "--config", config.toString(), "--set", "prepare.seed=8");
        assertEquals(2, otherSeed.code());
        assertTrue(otherSeed.err().contains("(seed was 7, now 8)"), otherSeed.err());

        CliRun tooFewNames = run("prepare", "--config", config.toString(), "--set", "prepare.labels=[a, b]",
                "--set", "prepare.output=" + dir.resolve("fashion-2"));
        assertEquals(2, tooFewNames.code());
        assertTrue(tooFewNames.err().contains("2 label names [a, b] for numClasses 10"), tooFewNames.err());
        assertFalse(Files.exists(dir.resolve("fashion-2")));

        // imageSize: uint8 pixels fitted to [C, H, W] in place of the float features
        CliRun pixels = run("prepare", "--config", config.toString(), "--set", "prepare.imageSize=[3, 32, 32]",
                "--set", "prepare.output=" + dir.resolve("fashion-rgb32"));
        assertEquals(0, pixels.code(), pixels.err());
        PreparedDataset p = read(dir.resolve("fashion-rgb32"));
        assertEquals(List.of(3, 32, 32), p.imageShape());
        assertEquals(List.of(new PreparedDataset.Column("pixels", "binary"), new PreparedDataset.Column("label", "int")),
                p.columns());
        assertEquals(d.require("train").rowsByLabel(), p.require("train").rowsByLabel(), "the same split");
        assertEquals(List.of(1, 28, 28), d.imageShape(), "float features record the source shape");
    }

    @Test
    void theImageFolderExampleBecomes3x64x64PixelsAndARerunDoesNothing() throws IOException {
        Path out = dir.resolve("fashion-images");
        String example = REPO.resolve("examples/fashion-images-prepare.yaml").toString();
        String[] where = {"--set", "prepare.input=" + REPO.resolve("examples/data/fashion-images/images"),
                "--set", "prepare.output=" + out};
        CliRun first = run(concat(new String[] {"prepare", "--config", example}, where));
        assertEquals(0, first.code(), first.err());
        PreparedDataset d = read(out);
        assertEquals(PreparedDataset.IMAGE_CLASSIFICATION, d.kind());
        assertEquals(List.of(3, 64, 64), d.imageShape());
        assertEquals(List.of("t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                "ankle-boot"), d.labels());
        assertEquals(List.of("pixels", "label"), d.columns().stream().map(PreparedDataset.Column::name).toList());
        assertEquals(90, d.require("train").rows());
        assertEquals(30, d.require("validation").rows());
        d.require("validation").rowsByLabel().values().forEach(n -> assertEquals(3L, n));
        List<Row> rows = TestSpark.session().read().parquet(out.resolve("train").toString()).collectAsList();
        assertEquals(90, rows.size());
        rows.forEach(r -> assertEquals(3 * 64 * 64, ((byte[]) r.get(0)).length));
        assertTrue(first.out().contains("sparkft: validation: 30 rows {"), first.out());

        long written = Files.getLastModifiedTime(out.resolve(PreparedDataset.FILE)).toMillis();
        CliRun again = run(concat(new String[] {"prepare", "--config", example}, where));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("nothing to do"), again.out());
        assertEquals(written, Files.getLastModifiedTime(out.resolve(PreparedDataset.FILE)).toMillis());
        CliRun smaller = run(concat(new String[] {"prepare", "--config", example, "--set", "prepare.imageSize=[3, 32, 32]"},
                where));
        assertEquals(2, smaller.code());
        assertEquals("sparkft: output " + out + " already holds a dataset prepared from other inputs or settings"
                + " (imageSize was [3,64,64], now [3,32,32]); remove it or choose another output\n", smaller.err());

        // the bad-file fixture through the CLI: prepared, the rejects counted by reason
        Path bad = dir.resolve("bad-images");
        CliRun mixed = run("prepare", "--config", example, "--set", "prepare.input=" + REPO.resolve(
                "data-pipelines/src/test/resources/image-folder/images"), "--set", "prepare.output=" + bad,
                "--set", "prepare.classes=[bag, coat, sneaker]", "--set", "prepare.validationFraction=0");
        assertEquals(0, mixed.code(), mixed.err());
        assertEquals(Map.of("corrupt or truncated image", 1L, "empty file", 1L, "not a JPEG or PNG image", 2L,
                "unknown class", 2L, "unsupported colour mode", 1L), read(bad).require("train").rejectedByReason());
        assertTrue(mixed.out().contains("train: 10 rows"), mixed.out());

        CliRun noSize = run("prepare", "--config", config("no-size.yaml", "prepare: {format: imagefolder, input: "
                + REPO.resolve("examples/data/fashion-images/images") + ", output: " + dir.resolve("no-size") + "}")
                .toString());
        assertEquals(2, noSize.code());
        assertTrue(noSize.err().contains("missing required key 'prepare.imageSize'"), noSize.err());
        CliRun fourChannels = run(concat(new String[] {"prepare", "--config", example, "--set",
            "prepare.imageSize=[4, 64, 64]"}, where));
        assertEquals(2, fourChannels.code());
        assertTrue(fourChannels.err().contains("1 (grayscale) or 3 (RGB)"), fourChannels.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void spamAssassinMessagesBecomeRawTextSplits() throws IOException {
        Path out = dir.resolve("spam");
        Path config = config("spam.yaml", "prepare: {format: spamassassin, input: " + SPAM + ", output: " + out
                + ", splits: {train: 0.5, test: 0.5}, seed: 3}");
        CliRun first = run("prepare", "--config", config.toString());
        assertEquals(0, first.code(), first.err());
        PreparedDataset d = read(out);
        assertEquals(PreparedDataset.RAW_TEXT, d.kind());
        assertEquals(List.of("ham", "spam"), d.labels());
        assertEquals(Map.of("ham", 6L, "spam", 3L), d.require("train").rowsByLabel());
        assertEquals(List.of("id", "text", "label"), d.columns().stream().map(PreparedDataset.Column::name).toList());

        Path sotu = dir.resolve("sotu");
        CliRun speeches = run("prepare", "--config", config("sotu.yaml", "prepare: {format: sotu, input: "
                + REPO.resolve("data-pipelines/src/test/resources/sotu") + ", output: " + sotu
                + ", label: century, splits: {train: 0.5, validation: 0.5}}").toString());
        assertEquals(0, speeches.code(), speeches.err());
        PreparedDataset s = read(sotu);
        assertEquals(List.of("1900 on", "before 1900"), s.labels());
        assertEquals(6, s.require("train").rows() + s.require("validation").rows(), "Washington's address left out");
    }

    @Test
    void aTextConfigWithAMissingColumnOrInputIsRefused() throws IOException {
        Path out = dir.resolve("text-run");
        Path config = config("text.yaml",
                "run: {name: text, outputDir: " + out + "}",
                "data:",
                "  train: " + REPO.resolve("examples/data/spam/train"),
                "  text: {textColumn: body, maxLength: 16, tokenizer: bundled:all-minilm-l6-v2}",
                "model: {engine: test-softmax, options: {features: 2, classes: 2}}",
                "training: {globalBatch: 4, steps: 1}",
                "optimizer: {learningRate: 0.1}");
        CliRun column = run("prepare", "--config", config.toString());
        assertEquals(2, column.code());
        assertTrue(column.err().contains("has no column 'body'") && column.err().contains("data.text.textColumn"),
                column.err());
        assertFalse(Files.exists(out.resolve("data")), "nothing written");

        CliRun missing = run("prepare", "--config", config.toString(), "--set", "data.train=" + dir.resolve("nope"));
        assertEquals(2, missing.code());
        assertEquals("sparkft: data.train: input " + dir.resolve("nope") + " does not exist\n", missing.err());

        CliRun output = run("prepare", "--config", config.toString(), "--set", "prepare.output=" + dir.resolve("x"));
        assertEquals(2, output.code());
        assertTrue(output.err().contains("unknown key 'prepare.output'"), "text data goes to <run.outputDir>/data, where"
                + " train reads it: " + output.err());
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path out = dir.resolve("refused");
        Path config = config("refused.yaml", "prepare:", "  format: conll", "  output: " + out,
                "  splits: {train: " + dir.resolve("missing.conll") + "}", "  tokenizer: bundled:all-minilm-l6-v2");
        CliRun missing = run("prepare", "--config", config.toString());
        assertEquals(2, missing.code());
        assertEquals("sparkft: prepare.splits.train: input " + new org.apache.hadoop.fs.Path(
                dir.resolve("missing.conll").toUri()) + " does not exist\n", missing.err());

        CliRun typo = run("prepare", "--config", config.toString(), "--set", "prepare.maxLenght=64");
        assertEquals(2, typo.code());
        assertTrue(typo.err().startsWith("sparkft: " + config + ": unknown key 'prepare.maxLenght'"), typo.err());
        CliRun format = run("prepare", "--config", config.toString(), "--set", "prepare.format=csv");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("key 'prepare.format' must be one of [text, conll, idx, imagefolder, spamassassin,"
                + " sotu]"),
                format.err());
        CliRun nothing = run("prepare", "--config", config("empty.yaml", "run: {name: x}").toString());
        assertEquals(2, nothing.code());
        assertTrue(nothing.err().contains("nothing to prepare"), nothing.err());
        CliRun noConfig = run("prepare");
        assertEquals("sparkft: --config FILE is required; " + PrepareCommand.USAGE + "\n", noConfig.err());

        // an output folder that holds something else is never written into
        Files.createDirectories(out.resolve("train"));
        CliRun notADataset = run("prepare", "--config", config.toString(), "--set",
                "prepare.splits.train=" + CONLL.resolve("conll2003-en.sample"));
        assertEquals(2, notADataset.code());
        assertTrue(notADataset.err().contains("exists but holds no dataset.json"), notADataset.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("train"), files.map(p -> p.getFileName().toString()).toList());
        }
        // a malformed CoNLL line is named with its file and line, before Spark writes anything
        Path bad = Files.writeString(dir.resolve("bad.conll"), "EU NNP I-NP\n");
        CliRun malformed = run("prepare", "--config", config.toString(), "--set", "prepare.splits.train=" + bad,
                "--set", "prepare.output=" + dir.resolve("refused-2"));
        assertEquals(2, malformed.code());
        assertTrue(malformed.err().contains(bad.toString()), malformed.err());
        assertFalse(Files.exists(dir.resolve("refused-2")));
    }
}

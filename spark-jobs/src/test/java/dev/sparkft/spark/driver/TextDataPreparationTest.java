package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data.text}: raw text tables tokenised with the bundled MiniLM tokenizer into {@code <outputDir>/data},
 * label ids from the training table only, reuse when nothing changed, refusal when something did, and
 * errors naming the column or key. Also the export seam's refusal for an engine without an export format.
 */
class TextDataPreparationTest {
    private static final StructType RAW = new StructType().add("id", DataTypes.StringType)
            .add("body", DataTypes.StringType).add("category", DataTypes.StringType);

    @TempDir
    static Path dir;
    static String train;
    static String validation;

    @BeforeAll
    static void tables() {
        SparkSession spark = TestSpark.session();
        train = dir.resolve("raw-train").toString();
        validation = dir.resolve("raw-validation").toString();
        spark.createDataFrame(List.of(
                RowFactory.create("t1", "Cheap meds, click here now", "spam"),
                RowFactory.create("t2", "Meeting moved to Thursday", "ham"),
                RowFactory.create("t3", "   ", "ham"),
                RowFactory.create("t4", "You won a prize!!!", "spam")), RAW).coalesce(1).write().parquet(train);
        spark.createDataFrame(List.of(
                RowFactory.create("v1", "Lunch tomorrow?", "ham"),
                RowFactory.create("v2", "Newsletter for November", "newsletter")), RAW).coalesce(1).write()
                .parquet(validation);
    }

    @Test
    void tokenisesOnceWithTrainingLabelsThenReuses() throws Exception {
        Path out = dir.resolve("run-a");
        TrainConfig config = config(out, 16);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainConfig prepared = TextDataPreparation.prepare(TestSpark.session(), config, print(console));

        assertEquals(out.resolve("data/train").toString(), Path.of(prepared.data().train()).toString());
        assertEquals(out.resolve("data/validation").toString(), Path.of(prepared.data().validation()).toString());
        assertEquals("{\n  \"labels\" : [ \"ham\", \"spam\" ]\n}", Files.readString(out.resolve("data/labels.json")));
        List<Row> rows = TestSpark.session().read().parquet(prepared.data().train()).orderBy("id").collectAsList();
        assertEquals(List.of("t1", "t2", "t4"), rows.stream().map(r -> r.getString(r.fieldIndex("id"))).toList());
        assertEquals(List.of(1, 0, 1), rows.stream().map(r -> r.getInt(r.fieldIndex("label"))).toList());
        assertEquals(16, rows.get(0).getList(rows.get(0).fieldIndex("input_ids")).size());
        assertEquals(101, (int) rows.get(0).<Integer>getList(rows.get(0).fieldIndex("input_ids")).get(0), "[CLS]");
        List<Row> validationRejects = TestSpark.session().read()
                .parquet(out.resolve("data/validation/_rejects").toString()).collectAsList();
        assertEquals(1, validationRejects.size());
        assertEquals("unknown label", validationRejects.get(0).getString(validationRejects.get(0).fieldIndex("reason")),
                "a label training never saw is rejected, not given a new id");
        assertTrue(Files.isRegularFile(out.resolve("data/tokenizer.json")));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("1 rejected {unknown label=1}"), console.toString());

        long written = Files.getLastModifiedTime(out.resolve("data/dataset.json")).toMillis();
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        TrainConfig reused = TextDataPreparation.prepare(TestSpark.session(), config, print(again));
        assertEquals(prepared.data(), reused.data());
        assertTrue(again.toString(StandardCharsets.UTF_8).contains("reusing tokenised data"), again.toString());
        assertEquals(written, Files.getLastModifiedTime(out.resolve("data/dataset.json")).toMillis());

        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class,
                () -> TextDataPreparation.prepare(TestSpark.session(), config(out, 32), print(again)));
        assertTrue(changed.getMessage().contains("maxLength was 16, now 32"), changed.getMessage());

        // the trainer takes the class names from the descriptor, and refuses a corrupt one by file and key
        org.apache.hadoop.conf.Configuration conf = TestSpark.session().sparkContext().hadoopConfiguration();
        assertEquals(List.of("ham", "spam"), LabelNames.resolve(List.of(), prepared.data().train(), conf));
        Path descriptor = out.resolve("data/dataset.json");
        String good = Files.readString(descriptor);
        Files.writeString(descriptor, good.replace("\"labels\" : [", "\"labelz\" : ["));
        IllegalArgumentException corrupt = assertThrows(IllegalArgumentException.class,
                () -> LabelNames.resolve(List.of(), prepared.data().train(), conf));
        assertTrue(corrupt.getMessage().endsWith("dataset.json: key 'labels' is missing"), corrupt.getMessage());
        Files.writeString(descriptor, good);
    }

    @Test
    void windowStrideWritesNumberedWindowsAndIsPartOfTheFingerprint() throws Exception {
        Path out = dir.resolve("run-windows");
        TrainConfig config = ConfigLoader.parse(yaml(out, 8).replace("maxLength: 8", "maxLength: 8, windowStride: 2"),
                false, List.of());
        assertEquals(2, config.data().text().windowStride());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainConfig prepared = TextDataPreparation.prepare(TestSpark.session(), config, print(console));
        List<Row> rows = TestSpark.session().read().parquet(prepared.data().train()).orderBy("document", "window")
                .collectAsList();
        // "Cheap meds, click here now" and "You won a prize!!!" are 7 tokens: pieces of 6 starting every 4 -> 2
        // windows each; "Meeting moved to Thursday" fits.
        assertEquals(List.of("t1", "t1", "t2", "t4", "t4"), rows.stream().map(r -> r.getString(r.fieldIndex("id"))).toList());
        assertEquals(List.of(0, 1, 0, 0, 1), rows.stream().map(r -> r.getInt(r.fieldIndex("window"))).toList());
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("train: 5 windows of 3 documents"), console.toString());
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class, () -> TextDataPreparation.prepare(
                TestSpark.session(), ConfigLoader.parse(yaml(out, 8), false, List.of()), print(console)));
        assertTrue(changed.getMessage().contains("windowStride"), changed.getMessage());
        IllegalArgumentException stride = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.parse(
                yaml(out, 8).replace("maxLength: 8", "maxLength: 8, windowStride: 6"), false, List.of()));
        assertTrue(stride.getMessage().contains("data.text.windowStride must be in [0, 5]"), stride.getMessage());
    }

    @Test
    void missingColumnIsNamed() {
        TrainConfig config = ConfigLoader.parse(yaml(dir.resolve("run-b"), 16).replace("textColumn: body",
                "textColumn: content"), false, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextDataPreparation.prepare(TestSpark.session(), config, print(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("has no column 'content'") && e.getMessage().contains(train),
                e.getMessage());
    }

    @Test
    void textSettingsAreChecked() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.parse(
                yaml(dir.resolve("run-c"), 16).replace("maxLength: 16", "maxLen: 16"), false, List.of()));
        assertTrue(unknown.getMessage().contains("data.text.maxLen"), unknown.getMessage());
        IllegalArgumentException bundled = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.parse(
                yaml(dir.resolve("run-c"), 16).replace("bundled:all-minilm-l6-v2", "bundled:bert-base"), false,
                List.of()));
        assertTrue(bundled.getMessage().contains("the only bundled tokenizer"), bundled.getMessage());
    }

    @Test
    void engineWithoutExportIsRefusedBeforeTraining() {
        TrainConfig config = ConfigLoader.parse(String.join("\n",
                "data: {train: unused}",
                "model: {engine: dl4j, options: {architecture: mlp, inputShape: [1, 1, 2], numClasses: 2, hidden: [2]}}",
                "training: {globalBatch: 4, steps: 1}",
                "optimizer: {learningRate: 0.1}",
                "export: {dir: " + dir.resolve("never") + "}", ""), false, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingService.train(config, false, print(new ByteArrayOutputStream())));
        assertEquals("model.engine 'dl4j' has no export format; remove the export section", e.getMessage());
        assertTrue(Files.notExists(dir.resolve("never")));
    }

    private static TrainConfig config(Path out, int maxLength) {
        return ConfigLoader.parse(yaml(out, maxLength), false, List.of());
    }

    private static String yaml(Path out, int maxLength) {
        return String.join("\n",
                "run: {outputDir: " + out + "}",
                "data:",
                "  train: " + train,
                "  validation: " + validation,
                "  text: {textColumn: body, labelColumn: category, maxLength: " + maxLength
                        + ", tokenizer: bundled:all-minilm-l6-v2}",
                "model: {engine: test-softmax, options: {features: 2, classes: 2}}",
                "training: {globalBatch: 4, steps: 1}",
                "optimizer: {learningRate: 0.1}",
                "");
    }

    private static PrintStream print(ByteArrayOutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }
}

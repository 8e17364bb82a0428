package dev.sparkft.it;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's spam slice end to end, made small enough for the test suite: the pretrained MiniLM cut to its
 * first 2 layers, 64 tokens, a 400-message subset of the shipped training sample, 3 epochs; raw text in,
 * tokenised by the run itself, evaluated on all 300 shipped test messages, exported as a Hugging Face folder.
 * Bar: at least 90 % test accuracy (the majority class, ham, is 68.7 %). The exported folder, loaded back
 * as the weights of a new model, holds exactly the trained parameters and predicts the same classes.
 */
class SpamSliceTest {
    private static final double ACCURACY_BAR = 0.90;

    @TempDir
    static Path dir;

    @Test
    void fineTunesEvaluatesAndExports() throws IOException {
        SparkSession spark = TestSpark.session();
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".."));
        String subset = dir.resolve("train-400").toString();
        // A fixed pseudo-random subset (hash of the id), both classes in about their shipped proportions.
        spark.read().parquet(repo.resolve("examples/data/spam/train").toString())
                .orderBy(xxhash64(col("id"))).limit(400).coalesce(1).write().parquet(subset);
        Path out = dir.resolve("run");
        TrainConfig config = ConfigLoader.parse(String.join("\n",
                "run: {name: spam-slice, seed: 42, outputDir: " + out + "}",
                "data:",
                "  train: " + subset,
                "  validation: " + repo.resolve("examples/data/spam/test"),
                "  partitions: 2",
                "  text: {textColumn: text, labelColumn: label, maxLength: 64, tokenizer: bundled:all-minilm-l6-v2}",
                "model:",
                "  engine: djl-pytorch",
                "  options: {task: sequence-classification, numLabels: 2, weights: bundled:all-minilm-l6-v2,"
                        + " numLayers: 2}",
                "training: {globalBatch: 16, microBatch: 8, epochs: 3}",
                "optimizer: {type: adamw, learningRate: 2.0e-4, weightDecay: 0.01,",
                "            schedule: {type: linear, warmupSteps: 5, totalSteps: 75}}",
                "clipping: {maxGradNorm: 1.0}",
                "logging: {everySteps: 10}",
                "evaluation: {everyEpochs: 0}",
                "export: {dir: " + out.resolve("model") + "}",
                ""), false, List.of());

        long start = System.nanoTime();
        TrainingResult result = TrainingService.train(config, false, System.out);
        double seconds = (System.nanoTime() - start) / 1e9;

        Path data = out.resolve("data");
        assertEquals(List.of("ham", "spam"), labels(data.resolve("labels.json")));
        List<Row> test = spark.read().parquet(data.resolve("validation").toString()).collectAsList();
        assertEquals(300, test.size(), "every shipped test message is tokenised (none rejected)");
        ModelSpec trained = config.model();
        int[] predicted = predict(trained, result.params(), test);
        double accuracy = accuracy(predicted, test);
        System.out.printf("spam slice (MiniLM 2 layers, 64 tokens, 400 messages, 3 epochs): test accuracy %.4f"
                + " in %.0f s%n", accuracy, seconds);
        assertTrue(accuracy >= ACCURACY_BAR, "test accuracy " + accuracy + " < " + ACCURACY_BAR);
        ClassificationReport report = result.evaluations().get(result.evaluations().size() - 1).report();
        assertEquals(accuracy, report.accuracy(), 1e-12, "the run's report counts the same predictions");
        assertEquals(List.of("ham", "spam"), report.classes().stream().map(c -> c.label()).toList());

        Path model = out.resolve("model");
        for (String file : List.of("model.safetensors", "config.json", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(model.resolve(file)), "export has " + file);
        }
        JsonNode hfConfig = new ObjectMapper().readTree(model.resolve("config.json").toFile());
        assertEquals("ham", hfConfig.get("id2label").get("0").asText());
        assertEquals(1, hfConfig.get("label2id").get("spam").asInt());
        assertEquals(2, hfConfig.get("num_hidden_layers").asInt());
        try (InputStream bundled = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            assertArrayEquals(bundled.readAllBytes(), Files.readAllBytes(model.resolve("tokenizer.json")),
                    "the export ships the tokenizer the data was tokenised with");
        }

        Map<String, Object> options = new LinkedHashMap<>(trained.options());
        options.remove("numLayers");
        options.put("weights", model.toString());
        ModelSpec reloaded = new ModelSpec(trained.engine(), options);
        float[] fromExport;
        fromExport = ModelEngines.resolve(reloaded).initialParameters();
        assertArrayEquals(result.params(), fromExport, "the exported folder holds the trained parameters");
        assertArrayEquals(predicted, predict(reloaded, fromExport, test), "same predictions from the export");
    }

    private static int[] predict(ModelSpec spec, float[] params, List<Row> rows) {
        int[] classes = new int[rows.size()];
        try (TrainableModel model = ModelEngines.create(ModelEngines.resolve(spec).architecture())) {
            model.setParameters(params);
            for (int from = 0; from < rows.size(); from += 50) {
                List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + 50));
                float[] scores = model.predict(batch(chunk)).floats();
                for (int i = 0; i < chunk.size(); i++) {
                    classes[from + i] = scores[2 * i + 1] > scores[2 * i] ? 1 : 0;
                }
            }
        }
        return classes;
    }

    private static Batch batch(List<Row> rows) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String column : List.of("input_ids", "attention_mask", "token_type_ids")) {
            int length = rows.get(0).<Integer>getList(rows.get(0).fieldIndex(column)).size();
            int[] values = new int[rows.size() * length];
            for (int r = 0; r < rows.size(); r++) {
                List<Integer> list = rows.get(r).getList(rows.get(r).fieldIndex(column));
                for (int i = 0; i < length; i++) {
                    values[r * length + i] = list.get(i);
                }
            }
            tensors.put(column, Tensor.ofInts(values, rows.size(), length));
        }
        return new Batch(tensors);
    }

    private static double accuracy(int[] predicted, List<Row> rows) {
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == rows.get(i).getInt(rows.get(i).fieldIndex("label")) ? 1 : 0;
        }
        return (double) right / predicted.length;
    }

    private static List<String> labels(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        new ObjectMapper().readTree(file.toFile()).get("labels").forEach(n -> names.add(n.asText()));
        return names;
    }
}

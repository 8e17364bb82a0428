package dev.sparkft.it;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.data.text.EncodedText;
import dev.sparkft.data.text.TextTokenizer;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.EvaluateJob;
import dev.sparkft.spark.driver.PredictJob;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs after training on real data, small: the pretrained MiniLM cut to 2 layers fine-tuned for 8 steps on
 * 64 messages of the spam sample (raw text, 64 tokens) and exported. Then {@code evaluate} of the final
 * checkpoint gives the very report training wrote at its end, and {@code predict} of raw text with the exported
 * folder gives the logits and labels that Hugging Face transformers computes from that folder (within 1e-4),
 * with empty texts in the rejects table.
 */
class SpamJobsTest {
    private static final int MAX_LENGTH = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @Test
    void evaluateReproducesTrainAndPredictMatchesTransformers() throws Exception {
        SparkSession spark = TestSpark.session();
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".."));
        Dataset<Row> shuffledTest = spark.read().parquet(repo.resolve("examples/data/spam/test").toString())
                .orderBy(xxhash64(col("id")));
        String train = dir.resolve("train").toString();
        spark.read().parquet(repo.resolve("examples/data/spam/train").toString()).orderBy(xxhash64(col("id")))
                .limit(64).coalesce(1).write().parquet(train);
        String validation = dir.resolve("validation").toString();
        shuffledTest.limit(60).coalesce(1).write().parquet(validation);
        // Rows to score: 40 messages the run never saw, and two that cannot be encoded.
        Path input = dir.resolve("incoming");
        Dataset<Row> unseen = shuffledTest.orderBy(col("id").desc()).limit(40).select("id", "text");
        unseen.union(spark.createDataFrame(List.of(RowFactory.create("empty-1", ""), RowFactory.create("empty-2",
                "  \n ")), unseen.schema())).repartition(2).write().parquet(input.toString());

        Path out = dir.resolve("run");
        Path model = out.resolve("model");
        TrainConfig config = ConfigLoader.parse(String.join("\n",
                "run: {name: spam-jobs, seed: 42, outputDir: " + out + "}",
                "data:",
                "  train: " + train,
                "  validation: " + validation,
                "  partitions: 2",
                "  text: {textColumn: text, labelColumn: label, maxLength: " + MAX_LENGTH
                        + ", tokenizer: bundled:all-minilm-l6-v2}",
                "model:",
                "  engine: djl-pytorch",
                "  options: {task: sequence-classification, numLabels: 2, weights: bundled:all-minilm-l6-v2,"
                        + " numLayers: 2}",
                "training: {globalBatch: 16, microBatch: 8, steps: 8}",
                "optimizer: {type: adamw, learningRate: 1.0e-3, weightDecay: 0.01}",
                "evaluation: {everyEpochs: 0}",
                "export: {dir: " + model + "}",
                "evaluate: {outputDir: " + dir.resolve("evaluation") + "}",
                "predict: {input: " + input + ", output: " + dir.resolve("predictions") + ", model: " + model
                        + ", textColumn: text, keyColumns: [id], batchSize: 16}",
                ""), false, List.of());
        TrainingService.train(config, false, System.out);

        // MFU's FLOPs: the 2-layer MiniLM at the data's 64 tokens, 3 × the forward products (BertFlopsTest checks
        // the count against PyTorch's); the peak estimated from this machine's CPU.
        double l = MAX_LENGTH;
        double forward = 2 * (8 * l * 384 * 384 + 4 * l * l * 384 + 4 * l * 384 * 1536) + 2 * 384 * 384 + 2 * 384 * 2;
        for (String text : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode line = JSON.readTree(text);
            if (line.has("loss")) {
                assertEquals(3 * forward, line.get("flopsPerExample").asDouble(), 0, text);
                double mfu = line.get("mfu").asDouble();
                assertTrue(mfu > 0 && mfu < 1, text);
                assertEquals(line.get("examples").asDouble() * 3 * forward / (line.get("roundMs").asDouble() / 1e3),
                        line.get("achievedFlops").asDouble(), 1e-6 * line.get("achievedFlops").asDouble(), text);
            }
        }

        EvaluateJob.Outcome evaluated = EvaluateJob.run(config, null, List.of(), System.out);
        String trained = Files.readString(out.resolve("report.txt"));
        String again = Files.readString(evaluated.report());
        assertEquals(trained.substring(trained.indexOf('\n') + 1), again.substring(again.indexOf('\n') + 1));
        assertTrue(trained.startsWith("end of run at step 8"), trained);
        assertTrue(again.contains(String.format(java.util.Locale.ROOT, "loss %.6f%n", evaluated.result().loss()))
                && trained.contains(String.format(java.util.Locale.ROOT, "validation loss %.6f%n",
                        evaluated.result().loss())), again + "\n" + trained);

        PredictJob.Outcome predicted = PredictJob.run(config, System.out);
        assertEquals(40, predicted.scored());
        assertEquals(Map.of("empty text", 2L), predicted.rejected());
        List<Row> rejects = spark.read().parquet(dir.resolve("predictions/_rejects").toString()).collectAsList();
        assertEquals(List.of("empty-1", "empty-2"), rejects.stream().map(r -> r.getString(0)).sorted().toList());

        JsonNode reference = transformers(model, input);
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(dir.resolve("predictions").toString()).collectAsList()) {
            byId.put(r.getString(r.fieldIndex("id")), r);
        }
        assertEquals(40, reference.get("id").size());
        double worst = 0;
        for (int i = 0; i < reference.get("id").size(); i++) {
            Row r = byId.get(reference.get("id").get(i).asText());
            List<Object> logits = r.getList(r.fieldIndex("logits"));
            for (int c = 0; c < 2; c++) {
                worst = Math.max(worst, Math.abs(((Number) logits.get(c)).doubleValue()
                        - reference.get("logits").get(i).get(c).asDouble()));
            }
            assertEquals(reference.get("label").get(i).asText(), r.getString(r.fieldIndex("predicted_label")),
                    "id " + reference.get("id").get(i).asText());
        }
        // Both classes predicted, so that equal labels say something about the scores.
        assertEquals(List.of("ham", "spam"), byId.values().stream().map(r -> r.getString(r.fieldIndex("predicted_label")))
                .distinct().sorted().toList());
        System.out.printf("predict vs transformers: largest logit difference %.2e over 40 messages%n", worst);
        assertTrue(worst < 1e-4, "largest logit difference " + worst);

        // The exported folder evaluates exactly as the checkpoint it was written from.
        EvaluateJob.Outcome fromFolder = EvaluateJob.run(ConfigLoader.parse(ConfigLoader.toTree(config).toString(),
                true, List.of("evaluate.model=" + model, "evaluate.outputDir=" + dir.resolve("evaluation-folder"))),
                null, List.of(), System.out);
        String folderReport = Files.readString(fromFolder.report());
        assertEquals(again.substring(again.indexOf('\n') + 1), folderReport.substring(folderReport.indexOf('\n') + 1));

        windowsArePerDocument(spark, config, model, input, byId);
        textFiles(spark, config, model);
    }

    /**
     * With windows (stride 16 over 64-token windows) a long message is one output row whose probabilities are
     * the mean of its windows' softmax, computed here window by window with the exported model on the driver.
     */
    private static void windowsArePerDocument(SparkSession spark, TrainConfig config, Path model, Path input,
            Map<String, Row> truncated) throws Exception {
        Path output = dir.resolve("predictions-windows");
        PredictJob.Outcome outcome = PredictJob.run(ConfigLoader.parse(ConfigLoader.toTree(config).toString(), true,
                List.of("data.text.windowStride=16", "predict.output=" + output)), System.out);
        assertEquals(40, outcome.scored());
        TextTokenizer tokenizer = new TextTokenizer(model.resolve("tokenizer.json").toString(), MAX_LENGTH);
        Map<String, String> texts = new HashMap<>();
        for (Row r : spark.read().parquet(input.toString()).collectAsList()) {
            texts.put(r.getString(0), r.getString(1));
        }
        Map<String, Object> options = new HashMap<>(config.model().options());
        options.remove("numLayers");
        options.put("weights", model.toString());
        int multiWindow = 0;
        ResolvedModel exported = ModelEngines.resolve(new ModelSpec("djl-pytorch", options));
        try (TrainableModel m = ModelEngines.create(exported.architecture())) {
            m.setParameters(exported.initialParameters());
            for (Row r : spark.read().parquet(output.toString()).collectAsList()) {
                String id = r.getString(r.fieldIndex("id"));
                List<EncodedText> windows = tokenizer.encodeWindows(texts.get(id), 16);
                assertEquals(windows.size(), r.getInt(r.fieldIndex("windows")), id);
                double[] mean = new double[2];
                for (EncodedText w : windows) {
                    float[] z = m.predict(new Batch(Map.of("input_ids", Tensor.ofInts(w.inputIds(), 1, MAX_LENGTH),
                            "attention_mask", Tensor.ofInts(w.attentionMask(), 1, MAX_LENGTH),
                            "token_type_ids", Tensor.ofInts(w.tokenTypeIds(), 1, MAX_LENGTH)))).floats();
                    double max = Math.max(z[0], z[1]);
                    double e0 = Math.exp(z[0] - max);
                    double e1 = Math.exp(z[1] - max);
                    mean[0] += e0 / (e0 + e1) / windows.size();
                    mean[1] += e1 / (e0 + e1) / windows.size();
                }
                List<Object> p = r.getList(r.fieldIndex("probabilities"));
                assertEquals(mean[0], ((Number) p.get(0)).doubleValue(), 1e-5, id);
                assertEquals(mean[1], ((Number) p.get(1)).doubleValue(), 1e-5, id);
                assertEquals(mean[1] > mean[0] ? "spam" : "ham", r.getString(r.fieldIndex("predicted_label")), id);
                if (windows.size() == 1) {
                    List<Object> alone = truncated.get(id).getList(truncated.get(id).fieldIndex("probabilities"));
                    assertEquals(((Number) alone.get(1)).doubleValue(), ((Number) p.get(1)).doubleValue(), 1e-6, id);
                } else {
                    multiWindow++;
                }
            }
        }
        assertTrue(multiWindow >= 5, multiWindow + " messages span several windows");
    }

    /** Text files in, one document each, keyed by path; a blank file is rejected. */
    private static void textFiles(SparkSession spark, TrainConfig config, Path model) throws Exception {
        Path files = dir.resolve("files");
        Files.createDirectories(files);
        Files.writeString(files.resolve("a.txt"), "Congratulations! You have WON a free prize, call now to claim");
        Files.writeString(files.resolve("b.txt"), "Hi Bob, the meeting notes from Tuesday are attached. Thanks");
        Files.writeString(files.resolve("c.txt"), " \n\t\n"); // Spark reads no row from a 0-byte file
        Path output = dir.resolve("predictions-files");
        PredictJob.Outcome outcome = PredictJob.run(ConfigLoader.parse(ConfigLoader.toTree(config).toString(), true,
                List.of("predict.format=text", "predict.input=" + files, "predict.output=" + output,
                        "predict.keyColumns=[]")), System.out);
        assertEquals(2, outcome.scored());
        assertEquals(Map.of("empty text", 1L), outcome.rejected());
        List<String> paths = spark.read().parquet(output.toString()).collectAsList().stream()
                .map(r -> r.getString(r.fieldIndex("path"))).map(p -> p.substring(p.lastIndexOf('/') + 1)).sorted()
                .toList();
        assertEquals(List.of("a.txt", "b.txt"), paths);
    }

    /** The exported folder's logits for the input rows, from transformers (scripts/reference/predict_logits.py). */
    private static JsonNode transformers(Path folder, Path input) throws IOException, InterruptedException {
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath();
        Path python = ReferencePython.require(repo);
        Path json = dir.resolve("reference.json");
        Process p = new ProcessBuilder(python.toString(), repo.resolve("scripts/reference/predict_logits.py").toString(),
                folder.toString(), input.toString(), Integer.toString(MAX_LENGTH), json.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("reference.log").toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("predict_logits.py took over 5 minutes");
        }
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("reference.log")));
        return JSON.readTree(json.toFile());
    }
}

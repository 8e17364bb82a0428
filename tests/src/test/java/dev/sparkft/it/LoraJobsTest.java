package dev.sparkft.it;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.EvaluateJob;
import dev.sparkft.spark.driver.PredictJob;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs with LoRA, small: the pretrained MiniLM cut to 2 layers, adapters of rank 8 on query and value, 8 steps
 * on 64 messages of the spam sample. Only the adapters and the head are trained and checkpointed; evaluate of the
 * checkpoint (the frozen base re-read from the weights, broadcast once) gives training's report; predict of the
 * checkpoint and of the exported folder (adapters merged into a plain model) give the same probabilities; the
 * export holds the PEFT adapter folder. (PEFT itself loading such a folder: {@code LoraPeftReferenceTest}.)
 */
class LoraJobsTest {
    @TempDir
    static Path dir;

    @Test
    void evaluatePredictAndExportCarryTheAdapters() throws Exception {
        SparkSession spark = TestSpark.session();
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".."));
        String train = dir.resolve("train").toString();
        spark.read().parquet(repo.resolve("examples/data/spam/train").toString()).orderBy(xxhash64(col("id")))
                .limit(64).coalesce(1).write().parquet(train);
        String validation = dir.resolve("validation").toString();
        spark.read().parquet(repo.resolve("examples/data/spam/test").toString()).orderBy(xxhash64(col("id")))
                .limit(48).coalesce(2).write().parquet(validation);
        Path out = dir.resolve("run");
        Path model = out.resolve("model");
        TrainConfig config = ConfigLoader.parse(String.join("\n",
                "run: {name: lora-jobs, seed: 42, outputDir: " + out + "}",
                "data:",
                "  train: " + train,
                "  validation: " + validation,
                "  partitions: 2",
                "  text: {textColumn: text, labelColumn: label, maxLength: 64, tokenizer: bundled:all-minilm-l6-v2}",
                "model:",
                "  engine: djl-pytorch",
                "  options: {task: sequence-classification, numLabels: 2, weights: bundled:all-minilm-l6-v2,"
                        + " numLayers: 2, lora: {rank: 8, targets: [query, value]}}",
                "training: {globalBatch: 16, microBatch: 8, steps: 8}",
                "optimizer: {type: adamw, learningRate: 3.0e-3, weightDecay: 0.01}",
                "evaluation: {everyEpochs: 0}",
                "export: {dir: " + model + "}",
                "evaluate: {outputDir: " + dir.resolve("evaluation") + "}",
                "predict: {input: " + validation + ", output: " + dir.resolve("predictions")
                        + ", textColumn: text, keyColumns: [id], batchSize: 16}",
                ""), false, List.of());
        TrainingResult result = TrainingService.train(config, false, System.out);
        // 2 layers x 2 modules x (A 8x384 + B 384x8) + the head 2x384 + 2
        assertEquals(2 * 2 * 2 * 8 * 384 + 2 * 384 + 2, result.params().length, "only adapters and head train");

        EvaluateJob.Outcome evaluated = EvaluateJob.run(config, null, List.of(), System.out);
        String trained = Files.readString(out.resolve("report.txt"));
        String again = Files.readString(evaluated.report());
        assertEquals(trained.substring(trained.indexOf('\n') + 1), again.substring(again.indexOf('\n') + 1));

        assertTrue(Files.isRegularFile(model.resolve("adapter/adapter_config.json")));
        assertTrue(Files.isRegularFile(model.resolve("adapter/adapter_model.safetensors")));
        assertTrue(Files.readString(model.resolve("adapter/adapter_config.json"))
                .contains("\"base_model_name_or_path\" : \"sentence-transformers/all-MiniLM-L6-v2\""));

        Map<String, List<Object>> fromCheckpoint = predict(spark, config, "checkpoint", "p-checkpoint");
        Map<String, List<Object>> fromFolder = predict(spark, config, model.toString(), "p-folder");
        assertEquals(48, fromCheckpoint.size());
        assertEquals(fromCheckpoint.keySet(), fromFolder.keySet());
        double worst = 0;
        for (String id : fromCheckpoint.keySet()) {
            for (int c = 0; c < 2; c++) {
                worst = Math.max(worst, Math.abs(((Number) fromCheckpoint.get(id).get(c)).doubleValue()
                        - ((Number) fromFolder.get(id).get(c)).doubleValue()));
            }
        }
        System.out.printf("LoRA: predict from the checkpoint vs the merged export: largest probability difference"
                + " %.2e over 48 messages%n", worst);
        assertTrue(worst < 1e-5, "largest probability difference " + worst);
    }

    private static Map<String, List<Object>> predict(SparkSession spark, TrainConfig config, String model,
            String output) throws Exception {
        Path out = dir.resolve(output);
        PredictJob.Outcome outcome = PredictJob.run(ConfigLoader.parse(ConfigLoader.toTree(config).toString(), true,
                List.of("predict.model=" + model, "predict.output=" + out)), System.out);
        assertEquals(48, outcome.scored());
        Map<String, List<Object>> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            byId.put(r.getString(r.fieldIndex("id")), r.getList(r.fieldIndex("probabilities")));
        }
        return byId;
    }
}

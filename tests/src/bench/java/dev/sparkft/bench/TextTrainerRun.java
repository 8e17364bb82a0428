package dev.sparkft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.model.Batch;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.SparkSessions;
import dev.sparkft.spark.driver.TrainingService;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * SparkFT's synchronous trainer in local[2] (2 partitions, one task thread each, as deployed) on the DJL BERT
 * engine, global batch {@value #GLOBAL_BATCH} (2 micro-batches of 16 per step), AdamW as in
 * {@link TextEngineLoop}; figures from the rounds in the trainer's own metrics.jsonl. The data is a tokenised
 * Parquet of random full-length sequences written beforehand (token values do not change the cost).
 */
final class TextTrainerRun {
    static final int GLOBAL_BATCH = 32;
    private static final int PARTITIONS = 2;
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private TextTrainerRun() {
    }

    static ObjectNode throughput(TextShape shape, Path out, int warmup, int steps) throws IOException {
        Path data = out.resolve("train");
        String yaml = String.join("\n",
                "run: {name: text-bench, master: \"local[" + PARTITIONS + "]\", seed: 42, outputDir: " + out + "}",
                "data: {train: " + data + ", partitions: " + PARTITIONS + "}",
                "model: {engine: djl-pytorch, options: " + FoundationBench.JSON.writeValueAsString(shape.options()) + "}",
                "training: {mode: sync, globalBatch: " + GLOBAL_BATCH + ", microBatch: " + GLOBAL_BATCH / PARTITIONS
                        + ", steps: " + (warmup + steps) + "}",
                "optimizer: {type: adamw, learningRate: " + TextEngineLoop.ADAMW.learningRate() + ", weightDecay: "
                        + TextEngineLoop.ADAMW.weightDecay() + "}",
                "logging: {everySteps: 1000000}",
                "");
        TrainConfig config = ConfigLoader.parse(yaml, false, List.of());
        writeData(config, data, GLOBAL_BATCH * (warmup + steps));
        TrainingService.train(config, false, QUIET);

        List<JsonNode> rounds = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(config.logging().metricsFile()))) {
            JsonNode n = FoundationBench.JSON.readTree(line);
            if (n.has("roundMs") && n.get("step").asLong() >= warmup) {
                rounds.add(n);
            }
        }
        if (rounds.size() != steps) {
            throw new IllegalStateException(config.logging().metricsFile() + " has " + rounds.size()
                    + " timed rounds, expected " + steps);
        }
        double wallMs = rounds.stream().mapToDouble(n -> n.get("roundMs").asDouble()).sum();
        long examples = rounds.stream().mapToLong(n -> n.get("examples").asLong()).sum();
        JsonNode last = rounds.get(rounds.size() - 1);
        return FoundationBench.JSON.createObjectNode().put("samplesPerSec", examples * 1e3 / wallMs)
                .put("stepMs", median(rounds, "roundMs")).put("computeMs", median(rounds, "computeMs"))
                .put("updateMs", median(rounds, "updateMs")).put("overheadMs", median(rounds, "overheadMs"))
                .put("bytesToWorker", last.get("bytesToWorker").asLong())
                .put("bytesFromWorker", last.get("bytesFromWorker").asLong()).put("workers", last.get("workers").asInt())
                .put("peakRssMb", ProcessMemory.peakResidentMb());
    }

    private static double median(List<JsonNode> rounds, String field) {
        double[] v = rounds.stream().mapToDouble(n -> n.get(field).asDouble()).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** {@code rows} examples in the dataset convention (array&lt;int&gt; inputs, int label). */
    private static void writeData(TrainConfig config, Path dir, int rows) {
        Batch b = TextShape.randomBatch(rows, 7);
        int seq = TextShape.SEQ;
        int[] ids = b.tensors().get("input_ids").ints();
        int[] labels = b.tensors().get("label").ints();
        List<Row> list = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            List<Integer> idRow = Arrays.stream(ids, i * seq, (i + 1) * seq).boxed().toList();
            list.add(RowFactory.create(idRow, java.util.Collections.nCopies(seq, 1),
                    java.util.Collections.nCopies(seq, 0), labels[i]));
        }
        var ints = DataTypes.createArrayType(DataTypes.IntegerType, false);
        StructType schema = new StructType().add("input_ids", ints, false).add("attention_mask", ints, false)
                .add("token_type_ids", ints, false).add("label", DataTypes.IntegerType, false);
        SparkSession spark = SparkSessions.builder(config.run()).config("spark.ui.enabled", "false").getOrCreate();
        spark.createDataFrame(list, schema).coalesce(1).write().parquet(dir.toString());
        spark.stop();
    }
}

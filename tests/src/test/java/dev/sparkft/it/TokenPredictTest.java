package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.CheckpointStore;
import dev.sparkft.spark.driver.PredictJob;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict} of a token classifier (a tiny random BERT, NER-shaped: {@code labels} per token, -100 on
 * padding) from its checkpoint on a tokenised table: per row, one predicted class per real token (attention mask
 * 1), equal to the argmax of the model's own logits at the checkpoint's parameters.
 */
class TokenPredictTest {
    private static final int SEQ = TinyBertSlice.SEQ;

    @TempDir
    static Path dir;

    @Test
    void predictsEveryRealToken() throws Exception {
        SparkSession spark = TestSpark.session();
        List<int[][]> rows = TinyBertSlice.rows(11);
        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("attention_mask", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("token_type_ids", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("labels", DataTypes.createArrayType(DataTypes.IntegerType, false));
        List<Row> sparkRows = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            int[] ids = rows.get(r)[0];
            int[] mask = rows.get(r)[1];
            int[] labels = new int[SEQ];
            for (int i = 0; i < SEQ; i++) {
                labels[i] = mask[i] == 0 ? -100 : ids[i] % 3;
            }
            sparkRows.add(RowFactory.create("row-" + r, boxed(ids), boxed(mask), boxed(rows.get(r)[2]), boxed(labels)));
        }
        Path table = dir.resolve("tokens");
        spark.createDataFrame(sparkRows, schema).coalesce(1).write().parquet(table.toString());
        Path out = dir.resolve("run");
        TrainConfig config = ConfigLoader.parse(String.join("\n",
                "run: {name: tokens, seed: 5, outputDir: " + out + "}",
                "data: {train: " + table + ", partitions: 2}",
                "model: " + TinyBertSlice.MODEL.replace("sequence-classification, numLabels: 2",
                        "token-classification, numLabels: 3"),
                "training: {globalBatch: 16, microBatch: 8, steps: 2}",
                "optimizer: {type: adamw, learningRate: 3.0e-3}",
                "evaluation: {labels: [O, PER, LOC]}",
                "predict: {input: " + table + ", output: " + dir.resolve("predicted") + ", batchSize: 5}",
                ""), false, List.of());
        TrainingService.train(config, false, System.out);
        PredictJob.Outcome outcome = PredictJob.run(config, System.out);
        assertEquals(rows.size(), outcome.scored());

        float[] params = new CheckpointStore(config.checkpoint().dir(), new Configuration(), 3).latest().orElseThrow()
                .params();
        Map<String, Row> byId = new LinkedHashMap<>();
        for (Row r : spark.read().parquet(dir.resolve("predicted").toString()).collectAsList()) {
            byId.put(r.getString(r.fieldIndex("id")), r);
        }
        try (TrainableModel model = ModelEngines.create(ModelEngines.resolve(config.model()).architecture())) {
            model.setParameters(params);
            for (int r = 0; r < rows.size(); r++) {
                int[][] row = rows.get(r);
                Tensor logits = model.predict(new Batch(Map.of("input_ids", Tensor.ofInts(row[0], 1, SEQ),
                        "attention_mask", Tensor.ofInts(row[1], 1, SEQ), "token_type_ids", Tensor.ofInts(row[2], 1, SEQ))));
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < SEQ; i++) {
                    if (row[1][i] == 1) {
                        float[] z = Arrays.copyOfRange(logits.floats(), i * 3, i * 3 + 3);
                        int best = 0;
                        for (int c = 1; c < 3; c++) {
                            best = z[c] > z[best] ? c : best;
                        }
                        expected.add(best);
                    }
                }
                Row got = byId.get("row-" + r);
                assertEquals(expected, got.getList(got.fieldIndex("predicted_index")), "row " + r);
                List<String> names = got.getList(got.fieldIndex("predicted_label"));
                assertEquals(expected.stream().map(i -> List.of("O", "PER", "LOC").get(i)).toList(), names);
                assertEquals(expected.size(), got.getList(got.fieldIndex("probabilities")).size());
            }
        }
    }

    private static Integer[] boxed(int[] a) {
        return Arrays.stream(a).boxed().toArray(Integer[]::new);
    }
}

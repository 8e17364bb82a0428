package dev.sparkft.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A tiny random BERT (2 layers, hidden 32, vocabulary 50) and 96 random padded token sequences in one Parquet
 * file: [CLS] tokens [SEP] then padding, labelled by whether token 7 occurs, so there is something to learn.
 */
final class TinyBertSlice {
    static final int ROWS = 96;
    static final int SEQ = 12;
    static final int VOCAB = 50;
    static final String MODEL = "{engine: djl-pytorch, options: {task: sequence-classification, numLabels: 2,"
            + " seed: 7, config: {vocab_size: " + VOCAB + ", hidden_size: 32, num_hidden_layers: 2,"
            + " num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32}}}";

    private TinyBertSlice() {
    }

    /** Per row: input_ids, attention_mask, token_type_ids, {label}; seeded. */
    static List<int[][]> rows(long seed) {
        Random random = new Random(seed);
        List<int[][]> out = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            int length = 4 + random.nextInt(SEQ - 3);
            int[] ids = new int[SEQ];
            int[] mask = new int[SEQ];
            boolean hasSeven = false;
            for (int i = 0; i < length; i++) {
                ids[i] = i == 0 ? 1 : i == length - 1 ? 2 : 3 + random.nextInt(VOCAB - 3);
                hasSeven |= i > 0 && i < length - 1 && ids[i] == 7;
                mask[i] = 1;
            }
            if (r % 2 == 0 && !hasSeven) {
                ids[1] = 7;
                hasSeven = true;
            }
            out.add(new int[][] {ids, mask, new int[SEQ], {hasSeven ? 1 : 0}});
        }
        return out;
    }

    /**
     * Writes {@code rows} as one Parquet file at {@code path} (one file, one partition: the trainer's global
     * indices, from zipWithIndex, are the list positions).
     */
    static void write(SparkSession spark, List<int[][]> rows, Path path) {
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("attention_mask", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("token_type_ids", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("label", DataTypes.IntegerType);
        List<Row> sparkRows = rows.stream().map(r -> RowFactory.create(boxed(r[0]), boxed(r[1]), boxed(r[2]), r[3][0]))
                .toList();
        spark.createDataFrame(sparkRows, schema).coalesce(1).write().parquet(path.toString());
    }

    /**
     * A run config: AdamW on {@code partitions} partitions, global batch 16 in micro-batches of 4; {@code master}
     * null leaves the master to the caller's session.
     */
    static String config(String name, String master, Path outputDir, Path trainPath, int partitions, int steps) {
        return String.join("\n",
                "run: {name: " + name + (master == null ? "" : ", master: \"" + master + "\"") + ", seed: 5, outputDir: "
                        + outputDir + "}",
                "data: {train: " + trainPath + ", partitions: " + partitions + "}",
                "model: " + MODEL,
                "training: {globalBatch: 16, microBatch: 4, steps: " + steps + "}",
                "optimizer: {type: adamw, learningRate: 3.0e-3, weightDecay: 0.01}",
                "logging: {everySteps: 10}",
                "");
    }

    private static Integer[] boxed(int[] a) {
        return Arrays.stream(a).boxed().toArray(Integer[]::new);
    }
}

package dev.sparkft.bench;

import dev.sparkft.model.Batch;
import dev.sparkft.model.Tensor;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What every measurement shares: the shipped Fashion-MNIST sample, one DL4J CNN (examples/fashion-cnn.yaml's
 * LeNet: 16/32 filters, dense 128, 80,202 parameters), global batches of {@value #GLOBAL_BATCH} and Adam
 * (learning rate 1e-3, no decay, no clipping) so that DL4J's own trainer can run the same optimizer.
 */
final class BenchSetup {
    static final int GLOBAL_BATCH = 256;
    static final int PARTITIONS = 2;
    static final double LEARNING_RATE = 1e-3;
    static final String MODEL_OPTIONS = "{architecture: cnn, inputShape: [1, 28, 28], numClasses: 10,"
            + " filters: [16, 32], hidden: [128], seed: 42}";

    private BenchSetup() {
    }

    static Path sample(Path repo, String split) {
        return repo.resolve("examples/data/fashion-mnist").resolve(split).toAbsolutePath();
    }

    /** The trainer's config: local[2], 2 partitions, one forward/backward per partition per step. */
    static TrainConfig config(Path repo, Path out, String... overrides) {
        String yaml = String.join("\n",
                "run: {name: bench, master: \"local[" + PARTITIONS + "]\", seed: 42, outputDir: " + out + "}",
                "data: {train: " + sample(repo, "train") + ", partitions: " + PARTITIONS + "}",
                "model: {engine: dl4j, options: " + MODEL_OPTIONS + "}",
                "training: {mode: sync, globalBatch: " + GLOBAL_BATCH + ", microBatch: " + GLOBAL_BATCH / PARTITIONS
                        + ", steps: 1}",
                "optimizer: {type: adam, learningRate: " + LEARNING_RATE + "}",
                "logging: {everySteps: 1000000}",
                "");
        return ConfigLoader.parse(yaml, false, List.of(overrides));
    }

    /** A split's rows in the order the trainer indexes them (Spark's read order), as arrays. */
    record Examples(float[][] x, int[] y) {
        Batch batch(long[] indices) {
            int d = x[0].length;
            float[] features = new float[indices.length * d];
            int[] labels = new int[indices.length];
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(x[(int) indices[i]], 0, features, i * d, d);
                labels[i] = y[(int) indices[i]];
            }
            return new Batch(java.util.Map.of("features", Tensor.ofFloats(features, indices.length, d),
                    "label", Tensor.ofInts(labels, indices.length)));
        }
    }

    static Examples load(SparkSession spark, Path dir) {
        List<Row> rows = spark.read().parquet(dir.toString()).select("features", "label").collectAsList();
        float[][] x = new float[rows.size()][];
        int[] y = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            List<Object> v = rows.get(i).getList(0);
            x[i] = new float[v.size()];
            for (int j = 0; j < v.size(); j++) {
                x[i][j] = ((Number) v.get(j)).floatValue();
            }
            y[i] = rows.get(i).getInt(1);
        }
        return new Examples(x, y);
    }
}

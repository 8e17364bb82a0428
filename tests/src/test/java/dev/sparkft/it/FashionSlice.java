package dev.sparkft.it;

import dev.sparkft.spark.testing.Blobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The shipped real Fashion-MNIST sample (examples/data/fashion-mnist: 28x28 images as 784 floats in [0, 1],
 * label 0..9), and slices of it rewritten as one Parquet file, so that file order is example order and the
 * single-process reference sees the same examples under the same indices as the trainer.
 */
final class FashionSlice {
    static final int PIXELS = 28 * 28;
    static final int CLASSES = 10;
    private static final StructType SCHEMA = new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("label", DataTypes.IntegerType, false);

    private FashionSlice() {
    }

    /** The sample's folder: {@code split} is train (12,000 rows) or test (2,000). */
    static Path sample(String split) {
        Path root = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath().normalize();
        Path dir = root.resolve("examples/data/fashion-mnist").resolve(split);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the Fashion-MNIST sample is missing: " + dir);
        }
        return dir;
    }

    /** The first {@code n} training rows (in the order Spark reads them) as one Parquet file under {@code dir}. */
    static Blobs write(SparkSession spark, Path dir, int n) {
        List<Row> rows = spark.read().parquet(sample("train").toString()).select("features", "label").limit(n)
                .collectAsList();
        float[][] x = new float[rows.size()][];
        int[] y = new int[rows.size()];
        List<Row> copy = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            List<Object> values = rows.get(i).getList(0);
            x[i] = new float[values.size()];
            Float[] boxed = new Float[values.size()];
            for (int j = 0; j < values.size(); j++) {
                x[i][j] = ((Number) values.get(j)).floatValue();
                boxed[j] = x[i][j];
            }
            y[i] = rows.get(i).getInt(1);
            copy.add(RowFactory.create(boxed, y[i]));
        }
        String path = dir.resolve("fashion-" + n + ".parquet").toString();
        spark.createDataFrame(copy, SCHEMA).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
        return new Blobs(x, y, path);
    }

    /**
     * A run config on {@code trainPath}: a small DL4J CNN, Nesterov momentum, {@code partitions} partitions, with
     * placeholders OUT (output folder) and MASTER left to the caller.
     */
    static String config(String trainPath, int partitions, int steps) {
        return String.join("\n",
                "run: {name: it, master: \"MASTER\", seed: 7, outputDir: OUT}",
                "data: {train: " + trainPath + ", partitions: " + partitions + "}",
                "model:",
                "  engine: dl4j",
                "  options: {architecture: cnn, inputShape: [1, 28, 28], numClasses: 10, filters: [4, 8], hidden: [32], seed: 3}",
                "training: {mode: sync, globalBatch: 64, microBatch: 16, steps: " + steps + "}",
                "optimizer: {type: nesterov, learningRate: 0.05, momentum: 0.9}",
                "logging: {everySteps: 5}",
                "");
    }
}

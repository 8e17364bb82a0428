package dev.sparkft.spark.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A small classification dataset: Gaussian blobs around seeded class centres, written as one Parquet file
 * (so file order is example order) with columns {@code id} (long, not read by the model), {@code features}
 * ({@code array<float>}) and {@code label} ({@code int}).
 */
public record Blobs(float[][] features, int[] labels, String path) {

    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("label", DataTypes.IntegerType, false);

    /** {@code nanRow} for a dataset whose every row has a NaN feature. */
    public static final int ALL_NAN = -2;

    /** Writes {@code n} examples; {@code nanRow} (or -1; or {@link #ALL_NAN}) gets a NaN feature. */
    public static Blobs write(SparkSession spark, Path dir, int n, int dims, int classes, long seed, int nanRow) {
        Random r = new Random(seed);
        double[][] centres = new double[classes][dims];
        for (double[] c : centres) {
            for (int j = 0; j < dims; j++) {
                c[j] = 2 * r.nextGaussian();
            }
        }
        float[][] x = new float[n][dims];
        int[] y = new int[n];
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
            Float[] boxed = new Float[dims];
            for (int j = 0; j < dims; j++) {
                x[i][j] = (i == nanRow || nanRow == ALL_NAN) && j == 0 ? Float.NaN : (float) (centres[y[i]][j] + r.nextGaussian());
                boxed[j] = x[i][j];
            }
            rows.add(RowFactory.create((long) i, boxed, y[i]));
        }
        String path = dir.resolve("blobs-" + n + "-" + seed + (nanRow != -1 ? "-nan" + nanRow : "") + ".parquet")
                .toString();
        spark.createDataFrame(rows, SCHEMA).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
        return new Blobs(x, y, path);
    }
}

package dev.sparkft.bench;

import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.IndexedDataset;
import dev.sparkft.spark.driver.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code scripts/bench.sh data [reps] [rows]}: what loading a training set costs since every row is checked,
 * numbered by (file, row) and fingerprinted before step 1 ({@link IndexedDataset#load}), against the load it
 * replaced (numbering in scan order with zipWithIndex, no check), on the same tokenised-text-shaped table
 * (input_ids, attention_mask, token_type_ids of 128 ints and a label, in 4 files), alternating, local[2].
 */
public final class DataLoadBench {
    private static final int LENGTH = 128;
    private static final List<String> COLUMNS = List.of("input_ids", "attention_mask", "token_type_ids", "label");

    private DataLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int rows = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        SparkSession spark = SparkSessions.builder(new TrainConfig.Run("bench", "local[2]", 1, "unused"))
                .config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        Path dir = Files.createTempDirectory("sparkft-data-bench");
        String path = write(spark, dir, rows);
        List<ColumnExpectation> expectations = List.of(
                ColumnExpectation.intRange("input_ids", 0, 30_521, "vocab_size = 30522").withMaxLength(512,
                        "max_position_embeddings = 512"),
                ColumnExpectation.intRange("attention_mask", 0, 1, "a mask"),
                ColumnExpectation.intRange("token_type_ids", 0, 1, "type_vocab_size = 2"),
                ColumnExpectation.intRange("label", 0, 1, "model.options.numLabels = 2"));
        double[] before = new double[reps];
        double[] now = new double[reps];
        scanOrder(spark, path); // warm-up of both paths: JIT, Parquet footers, file cache
        IndexedDataset.load(spark, path, COLUMNS, expectations, 2).close();
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            scanOrder(spark, path);
            long t1 = System.nanoTime();
            IndexedDataset.load(spark, path, COLUMNS, expectations, 2).close();
            long t2 = System.nanoTime();
            before[r] = (t1 - t0) / 1e6;
            now[r] = (t2 - t1) / 1e6;
            System.out.printf("rep %d: scan-order load %.0f ms, checked + numbered by (file, row) %.0f ms%n", r,
                    before[r], now[r]);
        }
        System.out.printf("%d rows x %d tokens, %d reps: before median %.0f ms [%.0f-%.0f], now median %.0f ms"
                + " [%.0f-%.0f], ratio of medians %.2f%n", rows, LENGTH, reps, median(before), min(before),
                max(before), median(now), min(now), max(now), median(now) / median(before));
        spark.stop();
    }

    /** The load before the pre-training check: scan-order numbering, hash placement, cached, counted. */
    private static void scanOrder(SparkSession spark, String path) {
        Column[] cols = COLUMNS.stream().map(functions::col).toArray(Column[]::new);
        JavaPairRDD<Long, Row> indexed = spark.read().parquet(path).select(cols).javaRDD().zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1())).partitionBy(new HashPartitioner(2))
                .persist(StorageLevel.MEMORY_ONLY());
        indexed.count();
        indexed.unpersist(true);
    }

    private static String write(SparkSession spark, Path dir, int n) {
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("attention_mask", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("token_type_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("label", DataTypes.IntegerType, false);
        Random random = new Random(42);
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Integer[] ids = new Integer[LENGTH];
            Integer[] mask = new Integer[LENGTH];
            Integer[] types = new Integer[LENGTH];
            int used = 16 + random.nextInt(LENGTH - 16);
            for (int j = 0; j < LENGTH; j++) {
                ids[j] = j < used ? 1000 + random.nextInt(29_000) : 0;
                mask[j] = j < used ? 1 : 0;
                types[j] = 0;
            }
            rows.add(RowFactory.create(ids, mask, types, random.nextInt(2)));
        }
        String path = dir.resolve("train").toString();
        spark.createDataFrame(rows, schema).repartition(4).write().mode(SaveMode.Overwrite).parquet(path);
        return path;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}

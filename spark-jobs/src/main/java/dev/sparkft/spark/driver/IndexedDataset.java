package dev.sparkft.spark.driver;

import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.spark.executor.BatchAssembler;
import dev.sparkft.spark.executor.DataCheck;
import dev.sparkft.spark.executor.DataSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * A Parquet dataset prepared for training: schema checked against the model's columns before any job, every
 * row checked against what the model takes (one pass, failing before step 1 and naming the file and row),
 * every example numbered once in (file path, row in file) order, its global index, which does not depend on
 * the number of cores or how Spark splits the files, spread over {@code partitions} by index and cached, so
 * that a step only looks up its global batch's members. The {@link #fingerprint()} of the numbered values
 * lets a resumed run refuse data that changed.
 */
public final class IndexedDataset implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexedDataset.class);
    private static final String FILE = "_sparkft_file";
    private static final String ROW = "_sparkft_row";

    private final JavaPairRDD<Long, Row> rows;
    private final long count;
    private final long fingerprint;
    private final BatchAssembler assembler;
    private final String key;
    /** Values per row of each model column (the same in every row: checked on loading). */
    private final Map<String, Integer> lengths;

    private IndexedDataset(JavaPairRDD<Long, Row> rows, long count, long fingerprint, BatchAssembler assembler,
            String key, Map<String, Integer> lengths) {
        this.rows = rows;
        this.lengths = lengths;
        this.count = count;
        this.fingerprint = fingerprint;
        this.assembler = assembler;
        this.key = key;
    }

    /**
     * Loads, checks and numbers {@code path}'s {@code columns}; fails naming the first row that breaks one of
     * the model's {@code expectations}, or rows of differing lengths, before anything is trained.
     */
    public static IndexedDataset load(SparkSession spark, String path, List<String> columns,
            List<ColumnExpectation> expectations, int partitions) {
        Dataset<Row> df = read(spark, path);
        BatchAssembler assembler = new BatchAssembler(df.schema(), columns, path);
        List<Column> selected = new ArrayList<>();
        columns.forEach(c -> selected.add(functions.col(c)));
        // Parquet's hidden per-file metadata: a row's identity that survives any re-split of the files.
        selected.add(functions.col("_metadata.file_path").as(FILE));
        selected.add(functions.col("_metadata.row_index").as(ROW));
        JavaPairRDD<Long, Row> numbered = df.select(selected.toArray(Column[]::new)).orderBy(FILE, ROW)
                .javaRDD().zipWithIndex().mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .setName("sparkft " + path + " numbered")
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            DataSummary summary = numbered.mapPartitions(new DataCheck(assembler, expectations))
                    .reduce(DataSummary::merge);
            if (summary.count() == 0) {
                throw new IllegalArgumentException("dataset " + path + " has no rows");
            }
            if (summary.firstViolation() != null) {
                DataSummary.Violation v = summary.firstViolation();
                throw new IllegalArgumentException("dataset " + path + ": " + v.where() + ": " + v.message()
                        + "; fix or drop such rows when preparing the data (nothing was trained)");
            }
            String mismatch = summary.lengthMismatch(columns);
            if (mismatch != null) {
                throw new IllegalArgumentException("dataset " + path + ": " + mismatch + " (nothing was trained)");
            }
            int width = columns.size();
            JavaPairRDD<Long, Row> indexed = numbered.mapValues(r -> modelColumns(r, width))
                    .partitionBy(new HashPartitioner(partitions))
                    .setName("sparkft " + path)
                    .persist(StorageLevel.MEMORY_ONLY());
            indexed.count();
            LOG.info("dataset {}: {} examples in {} partitions, columns {}, fingerprint {}", path, summary.count(),
                    partitions, columns, Long.toHexString(summary.fingerprint()));
            String key = spark.sparkContext().applicationId() + ":" + indexed.id();
            Map<String, Integer> lengths = new LinkedHashMap<>();
            for (int c = 0; c < width; c++) {
                lengths.put(columns.get(c), summary.length(c));
            }
            return new IndexedDataset(indexed, summary.count(), summary.fingerprint(), assembler, key, lengths);
        } finally {
            numbered.unpersist(false);
        }
    }

    /** The row without the identity columns that numbering added. */
    private static Row modelColumns(Row r, int width) {
        Object[] values = new Object[width];
        for (int i = 0; i < width; i++) {
            values[i] = r.get(i);
        }
        return RowFactory.create(values);
    }

    /**
     * The same rows placed by {@code partitioner}, cached as their own dataset (closing it releases only
     * them). Costs one shuffle of the rows.
     */
    public IndexedDataset placedBy(Partitioner partitioner, String name) {
        JavaPairRDD<Long, Row> placed = rows.partitionBy(partitioner)
                .setName(rows.name() + " " + name)
                .persist(StorageLevel.MEMORY_ONLY());
        long placedCount = placed.count();
        if (placedCount != count) {
            placed.unpersist(false);
            throw new IllegalStateException(rows.name() + ": " + placedCount + " rows after placing by " + name
                    + ", " + count + " before");
        }
        SparkContext sc = rows.context();
        return new IndexedDataset(placed, count, fingerprint, assembler, sc.applicationId() + ":" + placed.id(),
                lengths);
    }

    /** Fails, naming the path and column, unless {@code path} is Parquet with the model's columns (reads only the schema). */
    public static void checkSchema(SparkSession spark, String path, List<String> columns) {
        new BatchAssembler(read(spark, path).schema(), columns, path);
    }

    private static Dataset<Row> read(SparkSession spark, String path) {
        try {
            return spark.read().parquet(path);
        } catch (Exception e) {
            // Spark's AnalysisException (a missing path, a file that is not Parquet) is a checked exception.
            throw new IllegalArgumentException("cannot read Parquet dataset " + path + ": " + e.getMessage(), e);
        }
    }

    public JavaPairRDD<Long, Row> rows() {
        return rows;
    }

    public long count() {
        return count;
    }

    /** A digest of every example's values and index: equal for the same data numbered the same way. */
    public long fingerprint() {
        return fingerprint;
    }

    public BatchAssembler assembler() {
        return assembler;
    }

    /** The same rows (closing either releases them) read by another assembler, e.g. an augmenting one. */
    public IndexedDataset withAssembler(BatchAssembler other) {
        return new IndexedDataset(rows, count, fingerprint, other, key, lengths);
    }

    /** Values per row of each model column: the sequence length of token columns, -1 for a scalar. */
    public Map<String, Integer> lengths() {
        return lengths;
    }

    /** Identifies this cached dataset to executors' {@link dev.sparkft.spark.executor.PartitionMemo}. */
    public String key() {
        return key;
    }

    @Override
    public void close() {
        rows.unpersist(false);
    }
}

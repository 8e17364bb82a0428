package dev.sparkft.spark.driver;

import dev.sparkft.spark.executor.BatchAssembler;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * A Parquet dataset prepared for training: schema checked against the model's columns before any job,
 * every example numbered once in file order (its global index), spread over {@code partitions} by index and
 * cached, so that a step only looks up its global batch's members.
 */
public final class IndexedDataset implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexedDataset.class);

    private final JavaPairRDD<Long, Row> rows;
    private final long count;
    private final BatchAssembler assembler;
    private final String key;

    private IndexedDataset(JavaPairRDD<Long, Row> rows, long count, BatchAssembler assembler, String key) {
        this.rows = rows;
        this.count = count;
        this.assembler = assembler;
        this.key = key;
    }

    public static IndexedDataset load(SparkSession spark, String path, List<String> columns, int partitions) {
        Dataset<Row> df = read(spark, path);
        BatchAssembler assembler = new BatchAssembler(df.schema(), columns, path);
        Column[] selected = columns.stream().map(functions::col).toArray(Column[]::new);
        JavaPairRDD<Long, Row> indexed = df.select(selected).javaRDD().zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .partitionBy(new HashPartitioner(partitions))
                .setName("sparkft " + path)
                .persist(StorageLevel.MEMORY_ONLY());
        long count = indexed.count();
        if (count == 0) {
            indexed.unpersist(false);
            throw new IllegalArgumentException("dataset " + path + " has no rows");
        }
        LOG.info("dataset {}: {} examples in {} partitions, columns {}", path, count, partitions, columns);
        String key = spark.sparkContext().applicationId() + ":" + indexed.id();
        return new IndexedDataset(indexed, count, assembler, key);
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
        return new IndexedDataset(placed, count, assembler, sc.applicationId() + ":" + placed.id());
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

    public BatchAssembler assembler() {
        return assembler;
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

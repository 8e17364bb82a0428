package dev.sparkft.data.image;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.data.dataset.PreparedDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark job: IDX images + labels to Parquet datasets ({@code features} array&lt;float&gt; of {@code rows * cols}
 * values in [0, 1], row-major, and {@code label} int; or, with {@link ImagePrepConfig#imageSize()}, {@code pixels}
 * binary: the image fitted to {@code C x H x W} uint8 as {@link DecodedImage#toPixels} does). The driver reads the files and decides the stratified
 * split; executors validate and convert ({@link ImageRows}). Rejected rows (a label outside {@code numClasses}, a
 * wrong pixel count) go to {@code _rejects} with their {@code split} and a {@code reason}. The whole output is a
 * {@link PreparedDataset} written under a temporary name and renamed into place ({@link AtomicOutput}); an existing
 * output is never replaced. From the command line: {@code sparkft prepare} with {@code format: idx}.
 */
public final class ImageDatasetPrep {
    public static final String TRAIN = "train";
    public static final String VALIDATION = "validation";
    public static final String TEST = "test";
    public static final String REJECTS = PreparedDataset.REJECTS_DIR;

    private static final Logger LOG = LoggerFactory.getLogger(ImageDatasetPrep.class);

    private ImageDatasetPrep() {
    }

    public static PrepReport run(SparkSession spark, ImagePrepConfig config) {
        return run(spark, config, null);
    }

    /** The same, recording {@code fingerprint} (the source and settings; null for none) in the descriptor. */
    public static PrepReport run(SparkSession spark, ImagePrepConfig config, ObjectNode fingerprint) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(config.output().replaceAll("(.)/+$", "$1"));
        AtomicOutput.requireAbsent(out, conf);
        LabelledImages train = read(config.train());
        Map<String, List<Row>> rowsBySplit = new LinkedHashMap<>();
        rowsBySplit.put(TRAIN, new ArrayList<>());
        if (config.validationFraction() > 0) {
            rowsBySplit.put(VALIDATION, new ArrayList<>());
        }
        addRows(rowsBySplit, config.train(), train, config.validationFraction(), config.seed(), TRAIN, VALIDATION);
        if (config.test() != null) {
            LabelledImages test = read(config.test());
            if (test.rows() != train.rows() || test.cols() != train.cols()) {
                throw new IllegalArgumentException(test.images().source() + " holds " + test.rows() + "x"
                        + test.cols() + " images but " + train.images().source() + " holds " + train.rows() + "x"
                        + train.cols() + "; train and test images must have the same size");
            }
            rowsBySplit.put(TEST, new ArrayList<>());
            addRows(rowsBySplit, config.test(), test, 0.0, config.seed(), TEST, null);
        }
        List<String> splits = new ArrayList<>(rowsBySplit.keySet());

        // each split converted from its own partitions, in file order: its table gets even files and no empty one
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ImageShape target = config.imageSize();
        Map<String, Dataset<Row>> converted = new LinkedHashMap<>();
        for (Map.Entry<String, List<Row>> e : rowsBySplit.entrySet()) {
            Dataset<Row> raw = spark.createDataFrame(jsc.parallelize(e.getValue(), config.partitions()), ImageRows.RAW);
            converted.put(e.getKey(), target == null
                    ? ImageRows.convert(raw, train.rows() * train.cols(), config.numClasses())
                    : ImageRows.convert(raw, train.rows(), train.cols(), config.numClasses(), target));
        }
        List<Integer> shape = target != null ? target.toList() : List.of(1, train.rows(), train.cols());
        return write(spark, out, converted, config.numClasses(), config.labelNames(),
                target == null ? "features" : PreparedDataset.PIXELS_COLUMN,
                List.of("source", "index", "split", "label", "reason"), shape, fingerprint);
    }

    /**
     * Shared by the image preparations: persists each split's converted rows (a null {@code reason} = kept),
     * counts them, and writes {@code out/<split>} ({@code dataColumn}, {@code label}), {@code out/_rejects}
     * ({@code rejectColumns}) and the descriptor, atomically.
     */
    static PrepReport write(SparkSession spark, Path out, Map<String, Dataset<Row>> convertedSplits, int numClasses,
            List<String> labelNames, String dataColumn, List<String> rejectColumns, List<Integer> imageShape,
            ObjectNode fingerprint) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<String> splits = new ArrayList<>(convertedSplits.keySet());
        Map<String, Dataset<Row>> converted = new LinkedHashMap<>();
        Dataset<Row> union = null;
        for (Map.Entry<String, Dataset<Row>> e : convertedSplits.entrySet()) {
            Dataset<Row> split = e.getValue().persist(StorageLevel.MEMORY_AND_DISK());
            converted.put(e.getKey(), split);
            union = union == null ? split : union.union(split);
        }
        Dataset<Row> all = union;
        try {
            PrepReport report = count(all, splits, numClasses);
            PrepReport counted = report;
            for (String split : splits) {
                LOG.info("{}: {} rows, per class {}", split, report.rows(split),
                        Arrays.toString(report.classCounts().get(split)));
            }
            LOG.info("{} rejected rows, by reason {}", report.rejects(), report.rejectsByReason());
            PreparedDataset[] written = {null};
            AtomicOutput.writeDirectory(out, conf, tmp -> {
                for (String split : splits) {
                    converted.get(split).filter(col("reason").isNull()).select(dataColumn, "label")
                            .write().parquet(new Path(tmp, split).toString());
                }
                all.filter(col("reason").isNotNull()).coalesce(1)
                        .select(rejectColumns.stream().map(org.apache.spark.sql.functions::col)
                                .toArray(org.apache.spark.sql.Column[]::new))
                        .write().parquet(new Path(tmp, REJECTS).toString());
                written[0] = describe(counted, splits, labelNames,
                        PreparedDataset.columnsOf(spark.read().parquet(new Path(tmp, splits.get(0)).toString()).schema()),
                        rejectsBySplit(all), fingerprint, imageShape).at(tmp);
                written[0].write(conf);
            });
            return new PrepReport(report.classCounts(), report.rejectsByReason(), written[0].at(out));
        } finally {
            converted.values().forEach(Dataset::unpersist);
        }
    }

    private static LabelledImages read(IdxSource source) {
        LabelledImages set = LabelledImages.read(source.images(), source.labels());
        LOG.info("read {} images of {}x{} from {} and labels from {}", set.count(), set.rows(), set.cols(),
                source.images(), source.labels());
        return set;
    }

    /** Driver-side: one raw row per kept item, grouped by split; items are kept in file order. */
    private static void addRows(Map<String, List<Row>> rowsBySplit, IdxSource source, LabelledImages set,
            double validationFraction, long seed, String mainSplit, String validationSplit) {
        int[] labels = new int[set.count()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = set.labels().unsignedAt(i);
        }
        byte[] assigned = StratifiedSplit.assign(labels, source.limit(), validationFraction, seed);
        String name = source.images().getFileName().toString();
        for (int i = 0; i < labels.length; i++) {
            if (assigned[i] != StratifiedSplit.DROPPED) {
                String split = assigned[i] == StratifiedSplit.VALIDATION ? validationSplit : mainSplit;
                rowsBySplit.get(split).add(RowFactory.create(name, (long) i, split, labels[i], set.images().item(i)));
            }
        }
    }

    private static PrepReport count(Dataset<Row> converted, List<String> splits, int numClasses) {
        Map<String, long[]> classCounts = new LinkedHashMap<>();
        for (String split : splits) {
            classCounts.put(split, new long[numClasses]);
        }
        Map<String, Long> rejects = new TreeMap<>();
        for (Row r : converted.groupBy("split", "label", "reason").count().collectAsList()) {
            if (r.isNullAt(2)) {
                classCounts.get(r.getString(0))[r.getInt(1)] += r.getLong(3);
            } else {
                rejects.merge(r.getString(2), r.getLong(3), Long::sum);
            }
        }
        return new PrepReport(classCounts, rejects, null);
    }

    private static Map<String, Map<String, Long>> rejectsBySplit(Dataset<Row> converted) {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        for (Row r : converted.filter(col("reason").isNotNull()).groupBy("split", "reason").count().collectAsList()) {
            out.computeIfAbsent(r.getString(0), k -> new TreeMap<>()).put(r.getString(1), r.getLong(2));
        }
        return out;
    }

    private static PreparedDataset describe(PrepReport report, List<String> splits, List<String> labelNames,
            List<PreparedDataset.Column> columns, Map<String, Map<String, Long>> rejects, ObjectNode fingerprint,
            List<Integer> imageShape) {
        Map<String, PreparedDataset.Split> described = new LinkedHashMap<>();
        for (String split : splits) {
            long[] perClass = report.classCounts().get(split);
            Map<String, Long> byLabel = new TreeMap<>();
            for (int k = 0; k < perClass.length; k++) {
                if (perClass[k] > 0) {
                    byLabel.put(labelNames.isEmpty() ? Integer.toString(k) : labelNames.get(k),
                            perClass[k]);
                }
            }
            described.put(split, new PreparedDataset.Split(split, report.rows(split), report.rows(split), byLabel,
                    REJECTS, rejects.getOrDefault(split, Map.of())));
        }
        return new PreparedDataset(null, PreparedDataset.IMAGE_CLASSIFICATION, columns, described, labelNames,
                null, fingerprint, imageShape);
    }
}

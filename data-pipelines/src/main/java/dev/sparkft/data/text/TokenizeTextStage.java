package dev.sparkft.data.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.data.dataset.PreparedDataset;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * Turns labelled text splits into the training dataset convention (docs/design.md): per split a Parquet
 * folder with {@code input_ids}, {@code attention_mask}, {@code token_type_ids} (int arrays of the
 * tokenizer's maxLength) and an int {@code label}, plus {@code id} when the input has one. With
 * {@link #withWindows} a text longer than maxLength becomes several rows, its overlapping windows
 * ({@link TextTokenizer#encodeWindows}), each with the text's label and two more int columns: {@code document}
 * (the text's number in its split) and {@code window} (0, 1, ...), by which evaluation puts a document back
 * together; without, it is truncated. Input columns:
 * {@code text}, optional {@code text_pair} (sentence-pair tasks), {@code label} (class name), optional
 * {@code id}. Label ids index an explicit label list or, when none is given, the sorted distinct labels
 * of all splits; the list is written as {@code labels.json}. Rows with an empty text or pair, a missing or
 * unknown label go to {@code <split>/_rejects} with a {@code reason} column (Spark skips {@code _}
 * folders when reading the split). Tokenisation runs on the executors; the whole output is written under
 * a temporary name and renamed at the end ({@link AtomicOutput}); an existing output is never replaced. The folder is
 * a {@link PreparedDataset} ({@code dataset.json} written last, with the counts and the caller's fingerprint).
 *
 * <pre>
 * out/dataset.json  out/labels.json  out/tokenizer.json
 * out/train/part-*.parquet     out/train/_rejects/part-*.parquet
 * out/test/...
 * </pre>
 */
public final class TokenizeTextStage {

    public static final String REJECTS_DIR = PreparedDataset.REJECTS_DIR;
    public static final String EMPTY_TEXT = "empty text";
    public static final String EMPTY_TEXT_PAIR = "empty text_pair";
    public static final String MISSING_LABEL = "missing label";
    public static final String UNKNOWN_LABEL = "unknown label";

    private static final Logger LOG = LoggerFactory.getLogger(TokenizeTextStage.class);

    private final TextTokenizer tokenizer;
    private final LabelVocabulary explicitLabels;
    private final Integer windowStride;

    /**
     * @param labels the label list to use (ids = positions); {@code null} to discover the sorted distinct
     *     labels of the input, in which case no row can have an unknown label
     */
    public TokenizeTextStage(TextTokenizer tokenizer, LabelVocabulary labels) {
        if (tokenizer == null) {
            throw new IllegalArgumentException("tokenizer is required");
        }
        this.tokenizer = tokenizer;
        this.explicitLabels = labels;
        this.windowStride = null;
    }

    private TokenizeTextStage(TextTokenizer tokenizer, LabelVocabulary labels, Integer windowStride) {
        this.tokenizer = tokenizer;
        this.explicitLabels = labels;
        this.windowStride = windowStride;
    }

    /** The same stage keeping whole texts as windows that overlap by {@code stride} tokens. */
    public TokenizeTextStage withWindows(int stride) {
        tokenizer.encodeWindows("", stride);   // checks the stride against maxLength before any job
        return new TokenizeTextStage(tokenizer, explicitLabels, stride);
    }

    /** Counts for one split, as written: rows (windows when windowing) and the documents they came from. */
    public record SplitCounts(long kept, long documents, Map<String, Long> keptByLabel, Map<String, Long> rejectedByReason) {
        public long rejected() {
            return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** What the stage wrote: the label list, per split (in input order) its counts, and the dataset's descriptor. */
    public record Result(LabelVocabulary labels, Map<String, SplitCounts> splits, PreparedDataset dataset) {
    }

    public Result run(SparkSession spark, Map<String, Dataset<Row>> splits, String outDir) {
        return run(spark, splits, outDir, null);
    }

    /** The same, recording {@code fingerprint} (the source and settings; null for none) in the descriptor. */
    public Result run(SparkSession spark, Map<String, Dataset<Row>> splits, String outDir, ObjectNode fingerprint) {
        if (splits.isEmpty()) {
            throw new IllegalArgumentException("no splits to tokenise");
        }
        boolean pairs = checkSchemas(splits);
        if (pairs && windowStride != null) {
            throw new IllegalArgumentException("the splits are sentence pairs (text_pair column): windows apply to"
                    + " single texts; drop the window stride to truncate pairs longest-first");
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(outDir);
        AtomicOutput.requireAbsent(out, conf);

        LabelVocabulary labels = explicitLabels != null ? explicitLabels : discoverLabels(splits);
        LOG.info("tokenising splits {} with {} (maxLength {}, {}), {} labels {}", splits.keySet(),
                tokenizer.tokenizerJson(), tokenizer.maxLength(),
                windowStride == null ? "truncated" : "windows with stride " + windowStride, labels.size(), labels.labels());

        Map<String, SplitCounts> counts = new LinkedHashMap<>();
        PreparedDataset[] written = {null};
        AtomicOutput.writeDirectory(out, conf, tmp -> {
            Map<String, PreparedDataset.Split> described = new LinkedHashMap<>();
            for (Map.Entry<String, Dataset<Row>> split : splits.entrySet()) {
                SplitCounts c = writeSplit(split.getKey(), split.getValue(), labels, pairs, new Path(tmp, split.getKey()));
                counts.put(split.getKey(), c);
                described.put(split.getKey(), new PreparedDataset.Split(split.getKey(), c.kept(), c.documents(),
                        c.keptByLabel(), split.getKey() + "/" + REJECTS_DIR, c.rejectedByReason()));
            }
            tokenizer.copyTo(tmp, conf);
            String first = splits.keySet().iterator().next();
            written[0] = new PreparedDataset(tmp, PreparedDataset.TEXT_CLASSIFICATION,
                    PreparedDataset.columnsOf(spark.read().parquet(new Path(tmp, first).toString()).schema()), described,
                    labels.labels(), PreparedDataset.TOKENIZER_FILE, fingerprint);
            written[0].write(conf);
        });
        return new Result(labels, counts, written[0].at(out));
    }

    private SplitCounts writeSplit(String name, Dataset<Row> input, LabelVocabulary labels, boolean pairs, Path dir) {
        boolean hasId = Arrays.asList(input.columns()).contains("id");
        Dataset<Row> source = input.select(inputColumns(hasId, pairs));
        boolean windows = windowStride != null;
        StructType workSchema = workSchema(source.schema(), windows);
        TextTokenizer tok = tokenizer;
        MapPartitionsFunction<Row, Row> tokenise;
        if (windows) {
            source = numberDocuments(source, name);
            int stride = windowStride;
            tokenise = rows -> PartitionIterators.flatMap(rows, row -> tokeniseWindows(row, tok, stride, labels, hasId));
        } else {
            tokenise = rows -> PartitionIterators.map(rows, row -> tokeniseRow(row, tok, labels, hasId, pairs));
        }
        Dataset<Row> work = source.mapPartitions(tokenise, Encoders.row(workSchema)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<Column> kept = new ArrayList<>();
            if (hasId) {
                kept.add(col("id"));
            }
            if (windows) {
                kept.add(col("document"));
                kept.add(col("window"));
            }
            kept.add(col("input_ids"));
            kept.add(col("attention_mask"));
            kept.add(col("token_type_ids"));
            kept.add(col("label_id").as("label"));
            work.filter(col("reason").isNull()).select(kept.toArray(new Column[0]))
                    .write().mode("errorifexists").parquet(dir.toString());
            List<Column> rejected = new ArrayList<>(Arrays.asList(inputColumns(hasId, pairs)));
            rejected.add(col("reason"));
            work.filter(col("reason").isNotNull()).select(rejected.toArray(new Column[0]))
                    .write().mode("errorifexists").parquet(new Path(dir, REJECTS_DIR).toString());

            Map<String, Long> byLabel = new TreeMap<>();
            Map<String, Long> byReason = new TreeMap<>();
            for (Row r : work.groupBy(col("reason"), col("label")).count().collectAsList()) {
                String label = r.isNullAt(1) ? "(none)" : r.getString(1);
                if (r.isNullAt(0)) {
                    byLabel.merge(label, r.getLong(2), Long::sum);
                } else {
                    byReason.merge(r.getString(0), r.getLong(2), Long::sum);
                }
            }
            long keptRows = byLabel.values().stream().mapToLong(Long::longValue).sum();
            long documents = windows ? work.filter(col("reason").isNull().and(col("window").equalTo(0))).count() : keptRows;
            SplitCounts c = new SplitCounts(keptRows, documents, byLabel, byReason);
            LOG.info("split {}: kept {} rows of {} documents {}, rejected {} {}", name, c.kept(), documents, byLabel,
                    c.rejected(), byReason);
            return c;
        } finally {
            work.unpersist();
        }
    }

    /** Executor side: validate one row and tokenise it, or record why it is rejected. */
    private static Row tokeniseRow(Row row, TextTokenizer tokenizer, LabelVocabulary labels, boolean hasId, boolean pairs) {
        int i = 0;
        String id = hasId ? row.getString(i++) : null;
        String text = row.getString(i++);
        String pair = pairs ? row.getString(i++) : null;
        String label = row.getString(i);

        String reason = rejectReason(text, pairs, pair, label, labels);
        Integer labelId = reason == null ? labels.idOf(label) : null;
        EncodedText enc = null;
        if (reason == null) {
            enc = pairs ? tokenizer.encodePair(text, pair) : tokenizer.encode(text);
            if (!pairs && enc.realLength() <= 2) {
                reason = EMPTY_TEXT;  // nothing but [CLS] [SEP]: the text had no tokenisable characters
                labelId = null;
                enc = null;
            }
        }
        List<Object> values = new ArrayList<>();
        if (hasId) {
            values.add(id);
        }
        values.add(text);
        if (pairs) {
            values.add(pair);
        }
        values.add(label);
        values.add(labelId);
        values.add(enc == null ? null : enc.inputIds());
        values.add(enc == null ? null : enc.attentionMask());
        values.add(enc == null ? null : enc.tokenTypeIds());
        values.add(reason);
        return RowFactory.create(values.toArray());
    }

    /** Why a row cannot be tokenised (an empty text or pair, a missing or unknown label), or null. */
    private static String rejectReason(String text, boolean pairs, String pair, String label, LabelVocabulary labels) {
        if (text == null || text.isBlank()) {
            return EMPTY_TEXT;
        }
        if (pairs && (pair == null || pair.isBlank())) {
            return EMPTY_TEXT_PAIR;
        }
        if (label == null || label.isBlank()) {
            return MISSING_LABEL;
        }
        return labels.idOf(label) < 0 ? UNKNOWN_LABEL : null;
    }

    /**
     * Executor side, windows: one row per window of the text (its text left out: only rejects need it, and
     * a long document would be copied into every window), or one reject row. Row = input columns, then
     * {@code document}, as numbered by {@link #numberDocuments}.
     */
    private static List<Row> tokeniseWindows(Row row, TextTokenizer tokenizer, int stride, LabelVocabulary labels,
            boolean hasId) {
        int i = 0;
        String id = hasId ? row.getString(i++) : null;
        String text = row.getString(i++);
        String label = row.getString(i++);
        int document = row.getInt(i);
        String reason = rejectReason(text, false, null, label, labels);
        List<EncodedText> windows = reason == null ? tokenizer.encodeWindows(text, stride) : List.of();
        if (reason == null && windows.size() == 1 && windows.get(0).realLength() <= 2) {
            reason = EMPTY_TEXT;  // nothing but [CLS] [SEP]: the text had no tokenisable characters
        }
        List<Row> out = new ArrayList<>();
        if (reason != null) {
            out.add(hasId ? RowFactory.create(id, text, label, null, null, null, null, reason, document, null)
                    : RowFactory.create(text, label, null, null, null, null, reason, document, null));
            return out;
        }
        for (int w = 0; w < windows.size(); w++) {
            EncodedText enc = windows.get(w);
            Object[] values = {label, labels.idOf(label), enc.inputIds(), enc.attentionMask(), enc.tokenTypeIds(),
                null, document, w};
            out.add(hasId ? RowFactory.create(concat(new Object[] {id, null}, values))
                    : RowFactory.create(concat(new Object[] {null}, values)));
        }
        return out;
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The rows with an int {@code document} column: their position in the split, 0, 1, ... */
    private static Dataset<Row> numberDocuments(Dataset<Row> source, String split) {
        StructType schema = source.schema().add("document", DataTypes.IntegerType, false);
        JavaRDD<Row> numbered = source.javaRDD().zipWithIndex().map(t -> {
            if (t._2() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("split '" + split + "' has more than 2^31 documents");
            }
            Object[] values = new Object[t._1().size() + 1];
            for (int c = 0; c < t._1().size(); c++) {
                values[c] = t._1().get(c);
            }
            values[values.length - 1] = t._2().intValue();
            return RowFactory.create(values);
        });
        return source.sparkSession().createDataFrame(numbered, schema);
    }

    private static Column[] inputColumns(boolean hasId, boolean pairs) {
        List<Column> cols = new ArrayList<>();
        if (hasId) {
            cols.add(col("id"));
        }
        cols.add(col("text"));
        if (pairs) {
            cols.add(col("text_pair"));
        }
        cols.add(col("label"));
        return cols.toArray(new Column[0]);
    }

    private static StructType workSchema(StructType input, boolean windows) {
        StructType schema = new StructType();
        for (StructField f : input.fields()) {
            schema = schema.add(f.name(), DataTypes.StringType, true);
        }
        schema = schema
                .add("label_id", DataTypes.IntegerType, true)
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("attention_mask", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("token_type_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("reason", DataTypes.StringType, true);
        return windows ? schema.add("document", DataTypes.IntegerType, false).add("window", DataTypes.IntegerType, true)
                : schema;
    }

    /** Checks every split's columns before any job runs; returns whether the splits are sentence pairs. */
    private static boolean checkSchemas(Map<String, Dataset<Row>> splits) {
        Boolean pairs = null;
        for (Map.Entry<String, Dataset<Row>> e : splits.entrySet()) {
            StructType schema = e.getValue().schema();
            List<String> names = Arrays.asList(schema.fieldNames());
            for (String required : List.of("text", "label")) {
                if (!names.contains(required)) {
                    throw new IllegalArgumentException("split '" + e.getKey() + "' has no column '" + required
                            + "' (columns: " + names + "); expected text [, text_pair], label [, id]");
                }
            }
            for (String column : List.of("id", "text", "text_pair", "label")) {
                if (names.contains(column) && !schema.apply(column).dataType().equals(DataTypes.StringType)) {
                    throw new IllegalArgumentException("split '" + e.getKey() + "' column '" + column
                            + "' is " + schema.apply(column).dataType().simpleString() + ", expected string");
                }
            }
            boolean hasPair = names.contains("text_pair");
            if (pairs != null && pairs != hasPair) {
                throw new IllegalArgumentException("split '" + e.getKey() + "' " + (hasPair ? "has" : "lacks")
                        + " a text_pair column unlike the splits before it; all splits must agree");
            }
            pairs = hasPair;
        }
        return pairs;
    }

    private static LabelVocabulary discoverLabels(Map<String, Dataset<Row>> splits) {
        TreeSet<String> labels = new TreeSet<>();
        for (Dataset<Row> split : splits.values()) {
            for (Row r : split.select("label").distinct().collectAsList()) {
                if (!r.isNullAt(0) && !r.getString(0).isBlank()) {
                    labels.add(r.getString(0));
                }
            }
        }
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no labels found in the input: every row's label is null or blank");
        }
        return new LabelVocabulary(new ArrayList<>(labels));
    }
}

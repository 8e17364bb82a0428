package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.text.LabelVocabulary;
import dev.sparkft.data.text.TextTokenizer;
import dev.sparkft.data.text.TokenizeTextStage;
import dev.sparkft.data.text.TokenizeTextStage.SplitCounts;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.TextData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * Driver-side preparation before training when the config has {@code data.text}: tokenises the raw text
 * tables {@code data.train} / {@code data.validation} with {@link TokenizeTextStage} into
 * {@code <outputDir>/data/{train,validation}} and returns the config pointing at them. The label ids come
 * from the training table alone (its sorted distinct labels), so validation rows with a label training never
 * saw are rejected ({@code _rejects}, reason {@code unknown label}) rather than given a new id.
 *
 * <p>Next to the splits: {@code labels.json}, {@code tokenizer.json} (the exact tokenizer, for export) and
 * {@code fingerprint.json} (settings, tokenizer hash and the input files' names, sizes and times), written
 * last. A later run with the same fingerprint reuses the folder; a different one is refused, since the
 * folder may belong to checkpoints of this run.
 */
final class TextDataPreparation {
    static final String DATA_DIR = "data";
    static final String TOKENIZER_FILE = "tokenizer.json";
    static final String FINGERPRINT_FILE = "fingerprint.json";
    private static final Logger LOG = LoggerFactory.getLogger(TextDataPreparation.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private TextDataPreparation() {
    }

    /** {@code config} itself without {@code data.text}; otherwise the config over the tokenised tables. */
    static TrainConfig prepare(SparkSession spark, TrainConfig config, PrintStream console) {
        return prepare(spark, config, console, new Path(config.run().outputDir(), DATA_DIR));
    }

    /** The same, tokenising into {@code out} (evaluate's own folder when it evaluates other data). */
    static TrainConfig prepare(SparkSession spark, TrainConfig config, PrintStream console, Path out) {
        TextData text = config.data().text();
        if (text == null) {
            return config;
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        String validation = config.data().validation();
        try {
            java.nio.file.Path tokenizer = localTokenizer(text.tokenizer());
            try {
                ObjectNode fingerprint = fingerprint(config, tokenizer, conf);
                FileSystem fs = out.getFileSystem(conf);
                if (fs.exists(out)) {
                    requireSameFingerprint(fs, out, fingerprint);
                    console.printf("sparkft: reusing tokenised data in %s (same text settings and inputs)%n", out);
                } else {
                    tokenise(spark, config, text, tokenizer, out, console);
                    fs.copyFromLocalFile(new Path(tokenizer.toUri()), new Path(out, TOKENIZER_FILE));
                    writeAtomically(fs, new Path(out, FINGERPRINT_FILE), fingerprint);
                }
            } finally {
                if (text.tokenizer().equals(TextData.BUNDLED_MINILM)) {
                    Files.deleteIfExists(tokenizer);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare tokenised data in " + out + ": " + e.getMessage(), e);
        }
        return config.withData(config.data().withTables(new Path(out, "train").toString(),
                validation == null ? null : new Path(out, "validation").toString()));
    }

    /**
     * The config over the tables an earlier {@link #prepare} wrote, without tokenising (what export needs: their
     * labels.json and tokenizer.json); fails when they are not there.
     */
    static TrainConfig prepared(TrainConfig config, Configuration conf) {
        if (config.data().text() == null) {
            return config;
        }
        Path out = new Path(config.run().outputDir(), DATA_DIR);
        try {
            if (!out.getFileSystem(conf).exists(new Path(out, FINGERPRINT_FILE))) {
                throw new IllegalArgumentException("run.outputDir " + config.run().outputDir() + " has no tokenised"
                        + " data (" + out + "); train the run first, or set run.outputDir to the trained run's");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + out, e);
        }
        String validation = config.data().validation();
        return config.withData(config.data().withTables(new Path(out, "train").toString(),
                validation == null ? null : new Path(out, "validation").toString()));
    }

    private static void tokenise(SparkSession spark, TrainConfig config, TextData text, java.nio.file.Path tokenizer,
            Path out, PrintStream console) {
        Map<String, Dataset<Row>> splits = new LinkedHashMap<>();
        splits.put("train", rawSplit(spark, config.data().train(), text));
        if (config.data().validation() != null) {
            splits.put("validation", rawSplit(spark, config.data().validation(), text));
        }
        LabelVocabulary labels = trainingLabels(splits.get("train"), config.data().train(), text);
        console.printf("sparkft: tokenising %s into %s (maxLength %d%s, labels %s)%n", splits.keySet(), out,
                text.maxLength(), text.windows() ? ", windows with stride " + text.windowStride() : "", labels.labels());
        TokenizeTextStage stage = new TokenizeTextStage(new TextTokenizer(tokenizer.toString(), text.maxLength()), labels);
        if (text.windows()) {
            stage = stage.withWindows(text.windowStride());
        }
        TokenizeTextStage.Result result = stage.run(spark, splits, out.toString());
        for (Map.Entry<String, SplitCounts> e : result.splits().entrySet()) {
            SplitCounts c = e.getValue();
            String rows = text.windows() ? c.kept() + " windows of " + c.documents() + " documents" : c.kept() + " rows";
            console.printf("sparkft: %s: %s %s%s%n", e.getKey(), rows, c.keptByLabel(), c.rejected() == 0 ? ""
                    : ", " + c.rejected() + " rejected " + c.rejectedByReason() + " (see "
                            + new Path(new Path(out, e.getKey()), TokenizeTextStage.REJECTS_DIR) + ")");
        }
        if (result.splits().get("train").kept() == 0) {
            throw new IllegalArgumentException("data.train " + config.data().train() + ": no row survived"
                    + " tokenisation; see the reasons in " + new Path(new Path(out, "train"), TokenizeTextStage.REJECTS_DIR));
        }
    }

    /** The table with the configured columns renamed to the stage's {@code text}, {@code label} (and {@code id}). */
    private static Dataset<Row> rawSplit(SparkSession spark, String path, TextData text) {
        Dataset<Row> table = spark.read().parquet(path);
        StructType schema = table.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String column : List.of(text.textColumn(), text.labelColumn())) {
            if (!names.contains(column)) {
                throw new IllegalArgumentException(path + " has no column '" + column + "' (columns: " + names
                        + "); set data.text.textColumn / labelColumn");
            }
        }
        if (!schema.apply(text.textColumn()).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(path + ": column '" + text.textColumn() + "' (data.text.textColumn) is "
                    + schema.apply(text.textColumn()).dataType().simpleString() + ", expected string");
        }
        List<Column> columns = new ArrayList<>();
        // An id makes rejects traceable; one of another type, or under another role, is left out.
        if (names.contains("id") && schema.apply("id").dataType().equals(DataTypes.StringType)
                && !text.textColumn().equals("id") && !text.labelColumn().equals("id")) {
            columns.add(col("id"));
        }
        columns.add(col(text.textColumn()).as("text"));
        columns.add(col(text.labelColumn()).cast(DataTypes.StringType).as("label"));
        return table.select(columns.toArray(new Column[0]));
    }

    /** The sorted distinct non-blank labels of the training table: id = position. */
    private static LabelVocabulary trainingLabels(Dataset<Row> train, String path, TextData text) {
        TreeSet<String> labels = new TreeSet<>();
        for (Row r : train.select("label").distinct().collectAsList()) {
            if (!r.isNullAt(0) && !r.getString(0).isBlank()) {
                labels.add(r.getString(0));
            }
        }
        if (labels.size() < 2) {
            throw new IllegalArgumentException("data.train " + path + ": column '" + text.labelColumn() + "' has "
                    + labels.size() + " distinct label(s) " + labels + "; a classifier needs at least 2");
        }
        return new LabelVocabulary(new ArrayList<>(labels));
    }

    /** The tokenizer as a local file: the user's, or the bundled one copied out of its jar. */
    private static java.nio.file.Path localTokenizer(String tokenizer) throws IOException {
        if (!tokenizer.equals(TextData.BUNDLED_MINILM)) {
            java.nio.file.Path path = java.nio.file.Path.of(tokenizer);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("data.text.tokenizer " + tokenizer + " is not a file; give a"
                        + " tokenizer.json or " + TextData.BUNDLED_MINILM);
            }
            return path;
        }
        java.nio.file.Path file = Files.createTempFile("sparkft-tokenizer", ".json");
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /** What decides the tokenised output: settings, the tokenizer's bytes and the input files. */
    private static ObjectNode fingerprint(TrainConfig config, java.nio.file.Path tokenizer, Configuration conf)
            throws IOException {
        TextData text = config.data().text();
        ObjectNode f = JSON.createObjectNode();
        f.put("train", config.data().train());
        f.put("validation", config.data().validation());
        f.put("textColumn", text.textColumn());
        f.put("labelColumn", text.labelColumn());
        f.put("maxLength", text.maxLength());
        f.put("windowStride", text.windowStride());
        f.put("tokenizer", text.tokenizer());
        f.put("tokenizerSha256", sha256(tokenizer));
        f.set("trainFiles", listing(new Path(config.data().train()), conf));
        if (config.data().validation() != null) {
            f.set("validationFiles", listing(new Path(config.data().validation()), conf));
        }
        return f;
    }

    /** Every data file under {@code path}: relative name, size, modification time (hidden and _ files skipped). */
    private static JsonNode listing(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path)) {
            throw new IllegalArgumentException("data table " + path + " does not exist");
        }
        Path root = fs.makeQualified(path);
        TreeSet<String> files = new TreeSet<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
        while (it.hasNext()) {
            LocatedFileStatus s = it.next();
            String name = s.getPath().getName();
            if (!name.startsWith(".") && !name.startsWith("_")) {
                String relative = root.toUri().relativize(s.getPath().toUri()).getPath();
                files.add(relative + " " + s.getLen() + " " + s.getModificationTime());
            }
        }
        return JSON.valueToTree(files);
    }

    private static void requireSameFingerprint(FileSystem fs, Path out, ObjectNode expected) throws IOException {
        Path file = new Path(out, FINGERPRINT_FILE);
        if (!fs.exists(file)) {
            throw new IllegalArgumentException(out + " exists but has no " + FINGERPRINT_FILE + " (an interrupted"
                    + " preparation?); remove " + out + " to tokenise again");
        }
        JsonNode found;
        try (InputStream in = fs.open(file)) {
            found = JSON.readTree(in);
        }
        Iterator<String> keys = expected.fieldNames();
        while (keys.hasNext()) {
            String key = keys.next();
            // A key absent from an older fingerprint (windowStride) reads as null, its value when unset.
            if (!expected.get(key).equals(found.hasNonNull(key) ? found.get(key) : NullNode.getInstance())) {
                throw new IllegalArgumentException(out + " was tokenised with other settings or inputs: " + key
                        + " was " + found.get(key) + ", now " + expected.get(key) + "; remove " + out
                        + " (and the run's checkpoints, which trained on it) or choose another run.outputDir");
            }
        }
        LOG.info("{} matches the text settings and inputs", file);
    }

    private static void writeAtomically(FileSystem fs, Path target, JsonNode value) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (OutputStream o = fs.create(tmp, true)) {
            JSON.writerWithDefaultPrettyPrinter().writeValue(o, value);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("rename " + tmp + " -> " + target + " failed");
        }
    }

    private static String sha256(java.nio.file.Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}

package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.data.dataset.SourceFingerprint;
import dev.sparkft.data.text.LabelVocabulary;
import dev.sparkft.data.text.TextTokenizer;
import dev.sparkft.data.text.TokenizeTextStage;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.TextData;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.col;

/**
 * Driver-side preparation of {@code data.text} (what {@code sparkft prepare} and, first, {@code sparkft train} do
 * with such a config): tokenises the raw text tables {@code data.train} / {@code data.validation} with
 * {@link TokenizeTextStage} into the {@link PreparedDataset} {@code <outputDir>/data} and returns the config
 * pointing at its splits. The label ids come from the training table alone (its sorted distinct labels), so
 * validation rows with a label training never saw are rejected ({@code _rejects}, reason {@code unknown label})
 * rather than given a new id.
 *
 * <p>The descriptor's fingerprint holds the settings, the tokenizer's SHA-256 and the input files' names, sizes and
 * times. A later run with the same fingerprint reuses the folder (reading the descriptor, not re-deriving it); a
 * different one is refused, since the folder may belong to checkpoints of this run.
 */
final class TextDataPreparation {
    static final String DATA_DIR = "data";
    static final String TOKENIZER_FILE = PreparedDataset.TOKENIZER_FILE;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TextDataPreparation() {
    }

    /** {@code config} itself without {@code data.text}; otherwise the config over the tokenised tables. */
    static TrainConfig prepare(SparkSession spark, TrainConfig config, PrintStream console) {
        return prepare(spark, config, console, output(config));
    }

    /** The same, tokenising into {@code out} (evaluate's own folder when it evaluates other data). */
    static TrainConfig prepare(SparkSession spark, TrainConfig config, PrintStream console, Path out) {
        if (config.data().text() == null) {
            return config;
        }
        PreparedDataset d = prepareDataset(spark, config, console, out);
        return config.withData(config.data().withTables(d.splitPath("train").toString(),
                config.data().validation() == null ? null : d.splitPath("validation").toString()));
    }

    /** Where {@code config}'s tokenised data lives. */
    static Path output(TrainConfig config) {
        return new Path(config.run().outputDir(), DATA_DIR);
    }

    /**
     * Driver-side, before Spark: the dataset already prepared from exactly these settings and inputs, or empty
     * when there is none; refused when the folder holds something else. A missing input is named here.
     */
    static Optional<PreparedDataset> existing(TrainConfig config, Configuration conf) {
        return PreparedDataset.existing(output(config), fingerprint(config, conf), conf);
    }

    /** The tokenised dataset of {@code config}: the existing one when the fingerprint matches, else a new one. */
    static PreparedDataset prepareDataset(SparkSession spark, TrainConfig config, PrintStream console) {
        return prepareDataset(spark, config, console, output(config));
    }

    private static PreparedDataset prepareDataset(SparkSession spark, TrainConfig config, PrintStream console,
            Path out) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        ObjectNode fingerprint = fingerprint(config, conf);
        Optional<PreparedDataset> found = PreparedDataset.existing(out, fingerprint, conf);
        if (found.isPresent()) {
            console.printf("sparkft: reusing tokenised data in %s (same text settings and inputs)%n", out);
            return requireTrainingRows(found.get(), config);
        }
        TextData text = config.data().text();
        try {
            java.nio.file.Path tokenizer = localTokenizer(text.tokenizer());
            try {
                return requireTrainingRows(tokenise(spark, config, text, tokenizer, out, fingerprint, console), config);
            } finally {
                if (text.tokenizer().equals(TextData.BUNDLED_MINILM)) {
                    Files.deleteIfExists(tokenizer);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare tokenised data in " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * The config over the tables an earlier {@link #prepare} wrote, without tokenising (what export, evaluate and
     * predict need: their labels.json and tokenizer.json); fails when they are not there.
     */
    static TrainConfig prepared(TrainConfig config, Configuration conf) {
        if (config.data().text() == null) {
            return config;
        }
        Path out = output(config);
        if (!PreparedDataset.exists(out, conf)) {
            throw new IllegalArgumentException("run.outputDir " + config.run().outputDir() + " has no tokenised"
                    + " data (" + out + "); run sparkft prepare or train first, or set run.outputDir to the trained"
                    + " run's");
        }
        PreparedDataset d = PreparedDataset.read(out, conf);
        return config.withData(config.data().withTables(d.splitPath("train").toString(),
                config.data().validation() == null ? null : d.splitPath("validation").toString()));
    }

    private static PreparedDataset tokenise(SparkSession spark, TrainConfig config, TextData text,
            java.nio.file.Path tokenizer, Path out, ObjectNode fingerprint, PrintStream console) {
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
        PreparedDataset d = stage.run(spark, splits, out.toString(), fingerprint).dataset();
        d.summary().forEach(line -> console.println("sparkft: " + line
                .replaceFirst("^(\\S+: \\d+) rows of (\\d+) documents", text.windows() ? "$1 windows of $2 documents" : "$0")));
        return d;
    }

    /** Read from the descriptor, so a reused folder is checked as a fresh one is. */
    private static PreparedDataset requireTrainingRows(PreparedDataset d, TrainConfig config) {
        if (d.require("train").rows() == 0) {
            throw new IllegalArgumentException("data.train " + config.data().train() + ": no row survived"
                    + " tokenisation; see the reasons in " + d.rejectsPath("train"));
        }
        return d;
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
    static java.nio.file.Path localTokenizer(String tokenizer) throws IOException {
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
    static ObjectNode fingerprint(TrainConfig config, Configuration conf) {
        TextData text = config.data().text();
        ObjectNode f = JSON.createObjectNode();
        f.put("train", config.data().train());
        f.put("validation", config.data().validation());
        f.put("textColumn", text.textColumn());
        f.put("labelColumn", text.labelColumn());
        f.put("maxLength", text.maxLength());
        f.put("windowStride", text.windowStride());
        f.put("tokenizer", text.tokenizer());
        f.put("tokenizerSha256", text.tokenizer().equals(TextData.BUNDLED_MINILM) ? bundledSha256()
                : SourceFingerprint.sha256(new Path(java.nio.file.Path.of(text.tokenizer()).toUri()), conf,
                        "data.text.tokenizer"));
        f.set("trainFiles", SourceFingerprint.listing(new Path(config.data().train()), conf, "data.train"));
        if (config.data().validation() != null) {
            f.set("validationFiles", SourceFingerprint.listing(new Path(config.data().validation()), conf,
                    "data.validation"));
        }
        return f;
    }

    static String bundledSha256() {
        try (InputStream in = new DigestInputStream(BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled tokenizer: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}

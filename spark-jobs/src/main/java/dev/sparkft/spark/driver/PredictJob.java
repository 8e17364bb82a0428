package dev.sparkft.spark.driver;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.cnn.CnnModelOptions;
import dev.sparkft.data.image.ImageFiles;
import dev.sparkft.data.image.ImageShape;
import dev.sparkft.data.text.TextTokenizer;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.PredictSettings;
import dev.sparkft.spark.config.TrainConfig.TextData;
import dev.sparkft.spark.executor.PredictionWorker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code predict} job: batch inference on Spark. Reads {@code predict.input} (Parquet holding the model's
 * input columns or a raw text column, or text files, one document each, or image files ({@code format: images}:
 * decoded and fitted to the model's input size as {@code sparkft prepare} does, keyed by {@code path}); any Hadoop
 * FS URI), scores every row on the executors ({@link PredictionWorker}) with a checkpoint or an exported folder ({@link ModelSource}), and writes
 * Parquet to {@code predict.output}: the key columns, the prediction, partitioned by the input's partition columns
 * (its {@code name=value} folders); rows that cannot be encoded go to {@code <output>/_rejects} with a reason.
 * Everything is written under a temporary name next to the output and renamed into place at the end; an output
 * folder is replaced only when an earlier predict wrote it (it holds {@value #MARKER}).
 */
public final class PredictJob {
    /** Written into every output of this job: the proof that replacing it deletes nothing of the user's. */
    static final String MARKER = "_SPARKFT_PREDICT";
    static final String REJECTS = "_rejects";
    static final String TEXT = "text";
    static final String PATH = "path";
    /** {@code predict.format} of image files (JPEG, PNG), decoded and fitted as {@code sparkft prepare} does. */
    static final String IMAGES = "images";
    /** The decoding's rejection reason in {@link ImageFiles#SCHEMA}. */
    private static final String REJECT = "reject";

    /** What was written: scored rows, rejected rows by reason, the output folder. */
    public record Outcome(long scored, Map<String, Long> rejected, String output) {
    }

    private PredictJob() {
    }

    public static Outcome run(TrainConfig config, PrintStream console) {
        PredictSettings p = config.predict();
        if (p.input() == null || p.output() == null) {
            throw new IllegalArgumentException("predict needs predict.input and predict.output (e.g. --set"
                    + " predict.input=data/new --set predict.output=runs/" + config.run().name() + "/predictions)");
        }
        Configuration conf = SparkSessions.hadoopConfiguration(); // spark-submit's spark.hadoop.* settings, before Spark starts
        EvaluateJob.requireExists(p.input(), "predict.input", conf);
        Path output = new Path(p.output());
        requireReplaceable(output, conf);
        boolean text = p.format().equals("text") || p.textColumn() != null;
        boolean images = p.format().equals(IMAGES);
        if (images && p.textColumn() != null) {
            throw new IllegalArgumentException("predict.format: images reads image files, not text; drop"
                    + " predict.textColumn");
        }
        boolean folder = !p.model().equals(TrainConfig.EvaluateSettings.CHECKPOINT);
        TrainConfig labelsFrom = folder || config.data().text() == null ? config
                : TextDataPreparation.prepared(config, conf);
        ModelSource.Resolved model = ModelSource.resolve(labelsFrom, p.model(), "predict.model", null, conf);
        ImageShape imageShape = images ? imageShape(model) : null;
        if (!text && !images) {
            ImageShapeCheck.require(model.architecture(), p.input(), conf);
        }
        TextData textData = config.data().text();
        Integer stride = textData == null ? null : textData.windowStride();
        if (text && !model.columns().equals(PredictionWorker.TEXT_COLUMNS)) {
            throw new IllegalArgumentException("predict of raw text needs a text model (it reads "
                    + PredictionWorker.TEXT_COLUMNS + "); model " + model.architecture().engine() + " reads "
                    + model.columns() + ": give predict.input as a table of those columns and drop predict.textColumn");
        }
        if (text && model.perToken() && stride != null) {
            throw new IllegalArgumentException("predict: a token classifier labels the tokens of one window; drop"
                    + " data.text.windowStride");
        }
        TokenizerFile tokenizerFile = text ? tokenizer(config, p, folder, conf) : null;
        try (JobSession session = new JobSession(config.run())) {
            SparkSession spark = session.get();
            Dataset<Row> input = images
                    ? ImageFiles.read(spark, p.input(), imageShape, spark.sparkContext().defaultParallelism())
                    : read(spark, p);
            String textColumn = p.format().equals("text") ? TEXT : p.textColumn();
            List<String> partitions = images ? List.of() : partitionColumns(new Path(p.input()), conf, input.columns());
            List<String> keys = images ? imageKeys(p) : keys(p, input.schema(), textColumn, model.columns(), partitions);
            StructType schema = input.schema();
            PredictionWorker.Encoding encoding = text
                    ? PredictionWorker.Encoding.text(textIndex(schema, textColumn, p),
                            new TextTokenizer(tokenizerFile.path().toString(),
                                    textData == null ? 128 : textData.maxLength()),
                            stride)
                    : images ? columns(schema, model.columns(), p.input()).withRejects(schema.fieldIndex(REJECT))
                    : columns(schema, model.columns(), p.input());
            int[] keyIndices = keys.stream().mapToInt(schema::fieldIndex).toArray();
            List<StructField> keyFields = keys.stream().map(k -> schema.apply(k)).toList();
            StructType outSchema = PredictionWorker.schema(keyFields, model.perToken(), text && stride != null);
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            console.printf("sparkft: predicting %s with %s (%d input partitions) into %s%n", p.input(),
                    model.description(), input.rdd().getNumPartitions(), output);
            try (ParameterBroadcast params = ParameterBroadcast.of(sc, model.params());
                    FrozenBroadcast frozen = FrozenBroadcast.of(sc, model.architecture())) {
                PredictionWorker worker = new PredictionWorker(frozen.architecture(), params.parameters(),
                        p.batchSize(), keyIndices, encoding, model.labels(), model.perToken(), p.input());
                Dataset<Row> scored = input.mapPartitions(worker, Encoders.row(outSchema))
                        .persist(StorageLevel.MEMORY_AND_DISK());
                try {
                    return write(scored, keys, partitions, output, config, model, spark, console);
                } finally {
                    scored.unpersist();
                }
            }
        } finally {
            if (tokenizerFile != null && tokenizerFile.temporary()) {
                try {
                    Files.deleteIfExists(tokenizerFile.path());
                } catch (IOException e) {
                    tokenizerFile.path().toFile().deleteOnExit();
                }
            }
        }
    }

    private static Outcome write(Dataset<Row> scored, List<String> keys, List<String> partitions, Path output,
            TrainConfig config, ModelSource.Resolved model, SparkSession spark, PrintStream console) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path tmp = new Path(output.getParent(), "." + output.getName() + ".tmp-" + System.nanoTime());
        try {
            FileSystem fs = tmp.getFileSystem(conf);
            Dataset<Row> ok = scored.filter(col(PredictionWorker.REASON).isNull()).drop(PredictionWorker.REASON);
            ok.write().partitionBy(partitions.toArray(new String[0])).parquet(tmp.toString());
            List<Column> rejectColumns = new ArrayList<>(keys.stream().map(k -> col(k)).toList());
            rejectColumns.add(col(PredictionWorker.REASON));
            scored.filter(col(PredictionWorker.REASON).isNotNull()).select(rejectColumns.toArray(new Column[0]))
                    .write().parquet(new Path(tmp, REJECTS).toString());
            long scoredRows = 0;
            Map<String, Long> rejected = new TreeMap<>();
            for (Row r : scored.groupBy(col(PredictionWorker.REASON)).count().collectAsList()) {
                if (r.isNullAt(0)) {
                    scoredRows = r.getLong(1);
                } else {
                    rejected.put(r.getString(0), r.getLong(1));
                }
            }
            try (OutputStream o = fs.create(new Path(tmp, MARKER), false)) {
                o.write(("{\"run\": \"" + config.run().name().replace("\"", "'") + "\", \"model\": \""
                        + model.description().replace("\"", "'") + "\", \"step\": " + model.step() + "}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            commit(fs, tmp, output);
            console.printf("sparkft: predicted %d rows into %s%s%n", scoredRows, output, rejected.isEmpty() ? ""
                    : "; rejected " + rejected + " (see " + new Path(output, REJECTS) + ")");
            return new Outcome(scoredRows, rejected, output.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write predict.output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Moves the complete {@code tmp} to {@code output}, replacing an earlier predict output only after that. */
    private static void commit(FileSystem fs, Path tmp, Path output) throws IOException {
        Path old = null;
        if (fs.exists(output)) {
            if (!fs.exists(new Path(output, MARKER))) {
                throw new IOException(output + " is no longer a predict output (no " + MARKER + "); the new"
                        + " predictions are left in " + tmp);
            }
            old = new Path(output.getParent(), "." + output.getName() + ".old-" + System.nanoTime());
            if (!fs.rename(output, old)) {
                throw new IOException("cannot move the earlier output " + output + " aside; the new predictions"
                        + " are left in " + tmp);
            }
        }
        if (!fs.rename(tmp, output)) {
            throw new IOException("cannot rename " + tmp + " to " + output);
        }
        if (old != null) {
            fs.delete(old, true);
        }
    }

    /** The output must be absent or an earlier predict output: nothing else is ever replaced. */
    private static void requireReplaceable(Path output, Configuration conf) {
        try {
            FileSystem fs = output.getFileSystem(conf);
            if (fs.exists(output) && !fs.exists(new Path(output, MARKER))) {
                throw new IllegalArgumentException("predict.output: " + output + " exists and is not a predict"
                        + " output (no " + MARKER + " in it), so it will not be replaced; choose another"
                        + " predict.output or move that one away yourself (nothing was predicted)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("predict.output: " + output + " cannot be checked: " + e.getMessage(), e);
        }
    }

    /** The input size of the image model that {@code predict.format: images} fits the files to. */
    private static ImageShape imageShape(ModelSource.Resolved model) {
        if (!(model.architecture().details() instanceof CnnModelOptions cnn)) {
            throw new IllegalArgumentException("predict.format: images needs an image model (model.options.task: "
                    + CnnModelOptions.TASK + "); model " + model.architecture().engine() + " reads "
                    + model.columns());
        }
        CnnConfig c = cnn.config();
        return new ImageShape(c.channels(), c.height(), c.width());
    }

    /** Image files are keyed by their path, the one column besides the pixels. */
    private static List<String> imageKeys(PredictSettings p) {
        for (String k : p.keyColumns()) {
            if (!k.equals(PATH)) {
                throw new IllegalArgumentException("predict.keyColumns: image files have only the key column '"
                        + PATH + "', not '" + k + "'; drop predict.keyColumns or set it to [" + PATH + "]");
            }
        }
        return List.of(PATH);
    }

    private static Dataset<Row> read(SparkSession spark, PredictSettings p) {
        if (p.format().equals("text")) {
            return spark.read().option("wholetext", true).text(p.input())
                    .select(input_file_name().as(PATH), col("value").as(TEXT));
        }
        return spark.read().parquet(p.input());
    }

    /**
     * Partition columns of a Parquet input: the names of its top-level {@code name=value} folders (and their
     * nested ones), when they are columns of the table.
     */
    private static List<String> partitionColumns(Path input, Configuration conf, String[] columns) {
        List<String> out = new ArrayList<>();
        try {
            FileSystem fs = input.getFileSystem(conf);
            Path level = input;
            while (fs.getFileStatus(level).isDirectory()) {
                Path next = null;
                for (FileStatus s : fs.listStatus(level)) {
                    String name = s.getPath().getName();
                    int eq = name.indexOf('=');
                    if (s.isDirectory() && eq > 0 && Arrays.asList(columns).contains(name.substring(0, eq))) {
                        if (!out.contains(name.substring(0, eq))) {
                            out.add(name.substring(0, eq));
                        }
                        next = s.getPath();
                        break;
                    }
                }
                if (next == null) {
                    break;
                }
                level = next;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list predict.input " + input, e);
        }
        return out;
    }

    /**
     * The configured key columns (each must exist), or every scalar column but the text and the model's inputs;
     * the partition columns are always kept.
     */
    private static List<String> keys(PredictSettings p, StructType schema, String textColumn, List<String> modelColumns,
            List<String> partitions) {
        List<String> names = Arrays.asList(schema.fieldNames());
        List<String> keys = new ArrayList<>();
        if (!p.keyColumns().isEmpty()) {
            for (String k : p.keyColumns()) {
                if (!names.contains(k)) {
                    throw new IllegalArgumentException("predict.keyColumns: " + p.input() + " has no column '" + k
                            + "' (columns: " + names + ")");
                }
                keys.add(k);
            }
        } else {
            for (StructField f : schema.fields()) {
                boolean scalar = !(f.dataType() instanceof ArrayType || f.dataType() instanceof StructType
                        || f.dataType() instanceof MapType || f.dataType().equals(DataTypes.BinaryType));
                if (scalar && !f.name().equals(textColumn) && !modelColumns.contains(f.name())) {
                    keys.add(f.name());
                }
            }
        }
        for (String part : partitions) {
            if (!keys.contains(part)) {
                keys.add(part);
            }
        }
        List<String> reserved = new ArrayList<>(PredictionWorker.PREDICTION_COLUMNS);
        reserved.add(PredictionWorker.REASON);
        for (String name : reserved) {
            if (keys.contains(name)) {
                throw new IllegalArgumentException("predict.keyColumns: column '" + name + "' of " + p.input()
                        + " would clash with a prediction column; list the key columns to keep in predict.keyColumns");
            }
        }
        return keys;
    }

    private static int textIndex(StructType schema, String textColumn, PredictSettings p) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(textColumn)) {
            throw new IllegalArgumentException("predict.textColumn: " + p.input() + " has no column '" + textColumn
                    + "' (columns: " + names + ")");
        }
        if (!schema.apply(textColumn).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("predict.textColumn: column '" + textColumn + "' of " + p.input()
                    + " is " + schema.apply(textColumn).dataType().simpleString() + ", expected string");
        }
        return schema.fieldIndex(textColumn);
    }

    private static PredictionWorker.Encoding columns(StructType schema, List<String> modelColumns, String input) {
        List<String> names = Arrays.asList(schema.fieldNames());
        StructType modelSchema = new StructType();
        for (String c : modelColumns) {
            if (!names.contains(c)) {
                throw new IllegalArgumentException("predict.input: " + input + " has no column '" + c + "' that the"
                        + " model reads (it reads " + modelColumns + "; columns: " + names + "); for raw text set"
                        + " predict.textColumn");
            }
            modelSchema = modelSchema.add(schema.apply(c));
        }
        return PredictionWorker.Encoding.columns(modelColumns.stream().mapToInt(schema::fieldIndex).toArray(),
                modelSchema);
    }

    /**
     * The tokenizer.json: the exported folder's (any Hadoop FS URI; a remote one copied to a temporary file), else
     * data.text.tokenizer (the bundled one copied to a temporary file). The driver reads it; executors get its content.
     */
    static TokenizerFile tokenizer(TrainConfig config, PredictSettings p, boolean folder, Configuration conf) {
        if (folder) {
            Path t = new Path(p.model(), "tokenizer.json");
            try {
                FileSystem fs = t.getFileSystem(conf);
                if (!fs.isFile(t)) {
                    throw new IllegalArgumentException("predict.model: " + p.model() + " has no tokenizer.json to"
                            + " tokenise raw text with");
                }
                if (fs.getScheme().equals("file")) {
                    return new TokenizerFile(java.nio.file.Path.of(t.toUri().getPath()), false);
                }
                try (InputStream in = fs.open(t)) {
                    return temporaryCopy(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("predict.model: cannot read " + t + ": " + e.getMessage(), e);
            }
        }
        TextData text = config.data().text();
        if (text == null) {
            throw new IllegalArgumentException("predict of raw text with a checkpoint needs data.text (its tokenizer"
                    + " and maxLength, as the run trained with)");
        }
        if (!text.tokenizer().equals(TextData.BUNDLED_MINILM)) {
            return new TokenizerFile(java.nio.file.Path.of(text.tokenizer()), false);
        }
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            return temporaryCopy(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the bundled tokenizer: " + e.getMessage(), e);
        }
    }

    /** A temporary file holding {@code in}'s bytes, deleted when the job ends. */
    private static TokenizerFile temporaryCopy(InputStream in) throws IOException {
        java.nio.file.Path file = Files.createTempFile("sparkft-tokenizer", ".json");
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        return new TokenizerFile(file, true);
    }

    /** A tokenizer.json on the driver's disk; {@code temporary}: a copy this job deletes at its end. */
    record TokenizerFile(java.nio.file.Path path, boolean temporary) {
    }
}

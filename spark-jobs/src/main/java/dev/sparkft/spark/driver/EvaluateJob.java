package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.Metric;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code evaluate} job: a checkpoint or an exported model folder ({@link ModelSource}) on a labelled table
 * ({@code evaluate.data}, default {@code data.validation}; raw text is tokenised as training does) gives the
 * classification report that training's evaluation gives (per document for windowed text), written to
 * {@code evaluate.outputDir/report.txt}, and one JSON line appended to {@code evaluate.outputDir/metrics.jsonl}.
 * Thresholds ({@code --min-metric}) are judged by the caller from {@link Outcome#failures()}.
 */
public final class EvaluateJob {
    /** Written into the output folder: it is an evaluate job's, so its report may be replaced. */
    static final String MARKER = ".sparkft-evaluate";
    static final String METRICS = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A gate: {@code metric} must be at least {@code min}. */
    public record Threshold(Metric metric, double min) {
        /** Parses {@code name=value[,name=value...]}, e.g. {@code accuracy=0.95,macroF1=0.9}. */
        public static List<Threshold> parse(String option, String text) {
            List<Threshold> out = new ArrayList<>();
            for (String part : text.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(option + " '" + part + "' must look like NAME=VALUE, e.g."
                            + " accuracy=0.95");
                }
                Metric m = Metric.parse(part.substring(0, eq).trim(), option + " " + part.substring(0, eq).trim());
                if (m == Metric.LOSS) {
                    throw new IllegalArgumentException(option + ": loss is better when lower; gate on accuracy or"
                            + " macroF1");
                }
                double v;
                try {
                    v = Double.parseDouble(part.substring(eq + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(option + " " + part + ": '" + part.substring(eq + 1)
                            + "' is not a number", e);
                }
                if (!(v >= 0 && v <= 1)) {
                    throw new IllegalArgumentException(option + " " + part + ": the threshold must be in [0, 1]");
                }
                out.add(new Threshold(m, v));
            }
            return out;
        }
    }

    /**
     * What the job gave: the evaluation, the report file, the metrics line, and one message per threshold not
     * met (naming metric, value and threshold; empty when every threshold is met).
     */
    public record Outcome(ValidationResult result, Path report, String metricsLine, List<String> failures) {
    }

    private EvaluateJob() {
    }

    public static Outcome run(TrainConfig config, Long step, List<Threshold> thresholds, PrintStream console) {
        Configuration conf = SparkSessions.hadoopConfiguration(); // spark-submit's spark.hadoop.* settings, before Spark starts
        Path out = Path.of(config.evaluate().outputDir()).toAbsolutePath();
        requireOwnFolder(out);
        String data = config.evaluate().data() != null ? config.evaluate().data() : config.data().validation();
        if (data == null) {
            throw new IllegalArgumentException("evaluate needs a labelled table: set evaluate.data or data.validation");
        }
        requireExists(data, config.evaluate().data() != null ? "evaluate.data" : "data.validation", conf);
        String model = config.evaluate().model();
        boolean folder = !model.equals(TrainConfig.EvaluateSettings.CHECKPOINT);
        TrainConfig labelsFrom = folder ? config : TextDataPreparation.prepared(config, conf);
        ModelSource.Resolved resolved = ModelSource.resolve(labelsFrom, model, "evaluate.model", step, conf);
        ImageShapeCheck.require(resolved.architecture(), data, conf);
        console.printf("sparkft: evaluating %s on %s%n", resolved.description(), data);

        try (JobSession session = new JobSession(config.run())) {
            SparkSession spark = session.get();
            TrainConfig evaluated = tables(spark, config, data, out, console);
            ValidationResult result;
            try (FrozenBroadcast frozen = FrozenBroadcast.of(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                    resolved.architecture());
                    Validator validator = new Validator(spark, evaluated, frozen.architecture(), resolved.labels(),
                            resolved.labelled(), resolved.expectations())) {
                result = validator.evaluate(resolved.params(), resolved.step(), 0, true);
            }
            String header = String.format(Locale.ROOT, "evaluation of %s on %s, loss %.6f%n", resolved.description(),
                    data, result.loss());
            String text = header + ReportFile.body(result);
            console.print(text);
            Path report = out.resolve(ReportFile.NAME);
            writeMarker(out, config);
            ReportFile.write(report, text);
            Path heatmap = out.resolve(RunPlots.DIR).resolve("confusion-matrix.png");
            RunPlots.drawing(heatmap.toString(), () -> RunPlots.writeConfusion(heatmap, result.report().matrix(),
                    String.format(Locale.ROOT, "Confusion matrix of %s (accuracy %.4f)", resolved.description(),
                            result.report().accuracy())));
            String line = metricsLine(config, resolved, data, result);
            appendLine(out.resolve(METRICS), line);
            console.println(line);
            List<String> failures = new ArrayList<>();
            for (Threshold t : thresholds) {
                double value = result.value(t.metric());
                if (!(value >= t.min())) {
                    failures.add(String.format(Locale.ROOT, "%s %.4f is below the threshold %s (--min-metric %s=%s)",
                            t.metric().key(), value, t.min(), t.metric().key(), t.min()));
                }
            }
            return new Outcome(result, report, line, failures);
        }
    }

    /**
     * The config over the tables to evaluate: without {@code data.text} the table itself; with it the tokenised
     * validation set of the run's preparation when evaluating data.validation (the very tables training
     * evaluated), else a preparation of {@code data} into the output folder.
     */
    private static TrainConfig tables(SparkSession spark, TrainConfig config, String data, Path out,
            PrintStream console) {
        TrainConfig over = config.withData(config.data().withTables(config.data().train(), data));
        if (config.data().text() == null) {
            return over;
        }
        if (data.equals(config.data().validation())) {
            return TextDataPreparation.prepare(spark, config, console);
        }
        return TextDataPreparation.prepare(spark, over, console,
                new org.apache.hadoop.fs.Path(out.toUri().toString(), TextDataPreparation.DATA_DIR));
    }

    private static String metricsLine(TrainConfig config, ModelSource.Resolved model, String data,
            ValidationResult r) {
        ObjectNode line = JSON.createObjectNode();
        line.put("job", "evaluate").put("run", config.run().name()).put("model", model.description())
                .put("step", model.step()).put("data", data).put("examples", r.report().macroAvg().support())
                .put("loss", r.loss()).put("accuracy", r.report().accuracy()).put("macroF1", r.report().macroAvg().f1());
        if (r.windows() != null) {
            line.put("windows", r.windows().macroAvg().support()).put("windowAccuracy", r.windows().accuracy());
        }
        line.put("written", Instant.now().toString());
        return line.toString();
    }

    /** The output folder must be absent or an earlier evaluation's (holding {@value #MARKER}). */
    private static void requireOwnFolder(Path out) {
        if (Files.exists(out) && !(Files.isDirectory(out) && Files.isRegularFile(out.resolve(MARKER)))) {
            throw new IllegalArgumentException("evaluate.outputDir: " + out + " exists and is not an evaluate job's"
                    + " folder (no " + MARKER + " in it); choose another evaluate.outputDir (nothing was evaluated)");
        }
    }

    static void requireExists(String path, String key, Configuration conf) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        try {
            if (!p.getFileSystem(conf).exists(p)) {
                throw new IllegalArgumentException(key + ": " + path + " does not exist");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": " + path + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static void writeMarker(Path out, TrainConfig config) {
        try {
            Files.createDirectories(out);
            Path marker = out.resolve(MARKER);
            if (!Files.exists(marker)) {
                Files.writeString(marker, "{\"run\": " + JSON.writeValueAsString(config.run().name()) + "}\n",
                        StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve(MARKER), e);
        }
    }

    private static void appendLine(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }
}

package dev.sparkft.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.driver.CheckpointStore;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.SoftmaxRegressionEngine;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate}, {@code predict} and {@code export} on a trained test-softmax run (local Spark, real files):
 * the evaluation reproduces training's end-of-run report, gates exit 3, predictions equal the model's own
 * outputs at the checkpoint, rejects and refusals.
 */
class ModelJobsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path config;
    static Blobs train;
    static Blobs validation;
    static Path out;

    @BeforeAll
    static void trainARun() throws Exception {
        SparkSession spark = TestSpark.session();
        train = Blobs.write(spark, dir, 96, TestRuns.DIMS, TestRuns.CLASSES, 3, -1);
        validation = Blobs.write(spark, dir, 40, TestRuns.DIMS, TestRuns.CLASSES, 3, -1);
        out = dir.resolve("run");
        config = dir.resolve("run.yaml");
        Files.writeString(config, String.join("\n",
                "run: {name: jobs, outputDir: " + out + "}",
                "data: {train: " + train.path() + ", validation: " + validation.path() + "}",
                "model: {engine: test-softmax, options: {features: 5, classes: 3}}",
                "training: {globalBatch: 16, microBatch: 8, steps: 6}",
                "optimizer: {type: adamw, learningRate: 0.05}",
                "evaluation: {everyEpochs: 0, labels: [a, b, c]}",
                ""));
        CliRun trained = run("train", "--config", config.toString());
        assertEquals(0, trained.code(), trained.err());
    }


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** A PNG file (by its signature) that decodes to {@code width × height} pixels and is not blank. */
    private static void assertPng(Path file, int width, int height) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G',
                file + " is not a PNG");
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(file.toFile());
        assertEquals(List.of(width, height), List.of(image.getWidth(), image.getHeight()), file.toString());
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < height; y += 3) {
            for (int x = 0; x < width; x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, file + " has " + colours.size() + " colours: blank?");
    }

    /** The text under a report file's first line. */
    private static String body(Path report) throws Exception {
        String text = Files.readString(report);
        return text.substring(text.indexOf('\n') + 1);
    }

    @Test
    void evaluateReproducesTrainingsReportAndGates() throws Exception {
        Path evalDir = dir.resolve("eval");
        CliRun ok = run("evaluate", "--config", config.toString(), "--set", "evaluate.outputDir=" + evalDir);
        assertEquals(0, ok.code(), ok.err());
        String trainReport = Files.readString(out.resolve("report.txt"));
        assertEquals(body(out.resolve("report.txt")), body(evalDir.resolve("report.txt")));
        String lossText = trainReport.substring(trainReport.indexOf("validation loss ") + 16, trainReport.indexOf('\n'));
        assertTrue(Files.readString(evalDir.resolve("report.txt")).contains("loss " + lossText + "\n"),
                Files.readString(evalDir.resolve("report.txt")));
        // Training drew its plots, evaluate its own confusion matrix.
        for (String plot : List.of("loss.png", "learning-rate.png", "throughput.png", "round-split.png")) {
            assertPng(out.resolve("plots").resolve(plot), 800, 450);
        }
        assertPng(out.resolve("plots/confusion-matrix.png"), 480, 420);
        assertPng(evalDir.resolve("plots/confusion-matrix.png"), 480, 420);
        JsonNode line = JSON.readTree(Files.readAllLines(evalDir.resolve("metrics.jsonl")).get(0));
        assertEquals(6, line.get("step").asLong());
        assertEquals(40, line.get("examples").asLong());
        double accuracy = line.get("accuracy").asDouble();

        CliRun passes = run("evaluate", "--config", config.toString(), "--set", "evaluate.outputDir=" + evalDir,
                "--min-metric", "accuracy=" + accuracy);
        assertEquals(0, passes.code(), passes.err());
        assertEquals(2, Files.readAllLines(evalDir.resolve("metrics.jsonl")).size());
        double above = Math.min(1.0, accuracy + 0.01);
        CliRun gated = run("evaluate", "--config", config.toString(), "--set", "evaluate.outputDir=" + evalDir,
                "--min-metric", "macroF1=0.0,accuracy=" + above);
        assertEquals(SparkFtCli.BELOW_THRESHOLD, gated.code(), gated.err());
        assertTrue(gated.err().contains("accuracy " + String.format(java.util.Locale.ROOT, "%.4f", accuracy)
                + " is below the threshold " + above), gated.err());
        assertFalse(gated.err().contains("macroF1"), gated.err());

        CliRun early = run("evaluate", "--config", config.toString(), "--set", "evaluate.outputDir=" + evalDir,
                "--step", "3");
        assertEquals(2, early.code(), early.out());
        assertTrue(early.err().contains("--step 3: checkpoint.dir") && early.err().contains("steps [6]"), early.err());
    }

    @Test
    void evaluateAndPredictRefuseBadInputBeforeSpark() throws Exception {
        Path foreign = dir.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        CliRun eval = run("evaluate", "--config", config.toString(), "--set", "evaluate.outputDir=" + foreign);
        assertEquals(2, eval.code());
        assertTrue(eval.err().contains("evaluate.outputDir: " + foreign), eval.err());
        CliRun predict = run("predict", "--config", config.toString(), "--set", "predict.input=" + validation.path(),
                "--set", "predict.output=" + foreign);
        assertEquals(2, predict.code());
        assertTrue(predict.err().contains("predict.output: " + foreign) && predict.err().contains("not a predict"),
                predict.err());
        assertEquals("mine", Files.readString(foreign.resolve("notes.txt")));
        assertEquals(List.of(foreign.resolve("notes.txt")), Files.list(foreign).toList());
        CliRun missing = run("predict", "--config", config.toString(), "--set", "predict.input=" + dir.resolve("nope"),
                "--set", "predict.output=" + dir.resolve("p-missing"));
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("predict.input: " + dir.resolve("nope") + " does not exist"), missing.err());
        CliRun unknown = run("predict", "--config", config.toString(), "--set", "predict.bogus=1");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("predict.bogus"), unknown.err());
        CliRun gate = run("evaluate", "--config", config.toString(), "--min-metric", "loss=0.1");
        assertEquals(2, gate.code());
        assertTrue(gate.err().contains("loss is better when lower"), gate.err());
        CliRun export = run("export", "--config", config.toString(), "--set", "export.dir=" + foreign);
        assertEquals(2, export.code());
        assertTrue(export.err().contains("export.dir: " + foreign + " exists and is not a SparkFT export"), export.err());
        CliRun noDir = run("export", "--config", config.toString());
        assertEquals(2, noDir.code());
        assertTrue(noDir.err().contains("export.dir is not set"), noDir.err());
    }

    @Test
    void predictsWhatTheModelComputesPartitionedLikeTheInputWithRejects() throws Exception {
        SparkSession spark = TestSpark.session();
        // The validation rows in two partition folders (part=0, part=1), plus one row without features.
        Dataset<Row> blobs = spark.read().parquet(validation.path()).withColumn("part",
                functions.col("id").mod(2).cast("int"));
        StructType nullable = new StructType().add("id", "long")
                .add("features", DataTypes.createArrayType(DataTypes.FloatType), true)
                .add("label", "int").add("part", "int");
        Dataset<Row> input = spark.createDataFrame(blobs.collectAsList(), nullable)
                .union(spark.createDataFrame(List.of(RowFactory.create(999L, null, 0, 1)), nullable));
        Path inputPath = dir.resolve("to-score");
        input.write().mode(SaveMode.Overwrite).partitionBy("part").parquet(inputPath.toString());
        Path output = dir.resolve("predictions");
        CliRun first = run("predict", "--config", config.toString(), "--set", "predict.input=" + inputPath,
                "--set", "predict.output=" + output, "--set", "predict.batchSize=7");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("predicted 40 rows") && first.out().contains("rejected {null features=1}"),
                first.out());
        assertTrue(Files.isDirectory(output.resolve("part=0")) && Files.isDirectory(output.resolve("part=1")));

        // The expected outputs: the model at the checkpoint's parameters, on the driver.
        float[] params = new CheckpointStore(out.resolve("checkpoints").toString(), new Configuration(), 3).latest()
                .orElseThrow().params();
        Map<Long, float[]> expected = new java.util.HashMap<>();
        try (TrainableModel model = ModelEngines.create(ModelEngines.resolve(ConfigLoader.load(config, List.of()).model()).architecture())) {
            model.setParameters(params);
            for (int i = 0; i < validation.labels().length; i++) {
                Tensor logits = model.predict(new Batch(Map.of("features",
                        Tensor.ofFloats(validation.features()[i], 1, TestRuns.DIMS))));
                expected.put((long) i, logits.floats());
            }
        }
        List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
        assertEquals(40, rows.size());
        for (Row r : rows) {
            long id = r.getLong(r.fieldIndex("id"));
            float[] logits = expected.get(id);
            float[] got = toFloats(r.getList(r.fieldIndex("logits")));
            assertArrayEquals(logits, got, 0f, "logits of id " + id);
            int best = 0;
            for (int c = 1; c < logits.length; c++) {
                best = logits[c] > logits[best] ? c : best;
            }
            assertEquals(best, r.getInt(r.fieldIndex("predicted_index")));
            assertEquals(List.of("a", "b", "c").get(best), r.getString(r.fieldIndex("predicted_label")));
            assertEquals(3, r.getList(r.fieldIndex("probabilities")).size());
            assertEquals(1.0, sum(r), 1e-5);
            assertEquals(id % 2, r.getInt(r.fieldIndex("part")));
            assertEquals(validation.labels()[(int) id], r.getInt(r.fieldIndex("label")));
        }
        List<Row> rejects = spark.read().parquet(output.resolve("_rejects").toString()).collectAsList();
        assertEquals(1, rejects.size());
        assertEquals(999L, rejects.get(0).getLong(rejects.get(0).fieldIndex("id")));
        assertEquals("null features", rejects.get(0).getString(rejects.get(0).fieldIndex("reason")));

        // A second run replaces its own earlier output; nothing temporary is left beside it.
        CliRun again = run("predict", "--config", config.toString(), "--set", "predict.input=" + inputPath,
                "--set", "predict.output=" + output);
        assertEquals(0, again.code(), again.err());
        assertEquals(List.of("predictions"), Files.list(dir).map(p -> p.getFileName().toString())
                .filter(n -> n.contains("predictions")).toList());
    }

    @Test
    void exportsACheckpointAsTrainingWould() throws Exception {
        Path target = dir.resolve("exported");
        CliRun newest = run("export", "--config", config.toString(), "--set", "export.dir=" + target);
        assertEquals(0, newest.code(), newest.err());
        float[] params = new CheckpointStore(out.resolve("checkpoints").toString(), new Configuration(), 3).latest()
                .orElseThrow().params();
        assertArrayEquals(params, SoftmaxRegressionEngine.readExport(target), 0f);
        assertEquals(List.of("a", "b", "c"), Files.readAllLines(target.resolve("labels.txt")));
        assertEquals(6, JSON.readTree(target.resolve(".sparkft-export").toFile()).get("step").asLong());
        // An earlier export is replaced; a step that was not kept is refused, naming the steps there are.
        CliRun again = run("export", "--config", config.toString(), "--set", "export.dir=" + target, "--step", "6");
        assertEquals(0, again.code(), again.err());
        CliRun gone = run("export", "--config", config.toString(), "--set", "export.dir=" + target, "--step", "2");
        assertEquals(2, gone.code());
        assertTrue(gone.err().contains("--step 2") && gone.err().contains("steps [6]"), gone.err());
    }

    private static double sum(Row r) {
        double s = 0;
        for (float f : toFloats(r.getList(r.fieldIndex("probabilities")))) {
            s += f;
        }
        return s;
    }

    private static float[] toFloats(List<Object> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }
}

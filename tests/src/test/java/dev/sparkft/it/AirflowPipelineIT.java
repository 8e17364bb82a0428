package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.bert.BertExport;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.spark.driver.DriverModel;
import dev.sparkft.spark.testing.TestSpark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weekly fine-tune as Airflow runs it, on a real standalone cluster (master, two workers, each driver a
 * separate JVM) from the application jar alone: the argument lists come from
 * cluster-config/airflow/sparkft_pipeline.py, the module the DAG file uses, and each is run as the Spark provider's
 * SparkSubmitOperator runs it (spark-submit with the master, --conf pairs, the properties file, --name, --class,
 * the jar and the job's arguments). prepare -> train -> evaluate gate -> export -> predict; then the retries a
 * scheduler makes: train again is a no-op, a gate above the model's accuracy fails the task. The DAG file compiles.
 *
 * <p>The starting weights are a Hugging Face folder given as a {@code file:} URI that only the train driver reads:
 * once it logs {@link DriverModel#RESOLVED} (before its Spark session starts) the folder is renamed away until the
 * train task ends, so executors, which build their models from the first round on, could not have read it.
 */
class AirflowPipelineIT {
    private static final String DATE = "2026-12-06";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRAIN_ROWS = 160;
    private static final int TEST_ROWS = 64;
    private static final int SCORE_ROWS = 24;

    @TempDir
    Path dir;
    String python;

    @Test
    void weeklyPipelineRunsEndToEndOnTheStandaloneClusterFromTheApplicationJar() throws Exception {
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath().normalize();
        Path appJar = SparkHome.applicationJar();
        // The pipeline module needs Python's standard library only; the reference venv's interpreter is the one
        // the build knows about.
        python = ReferencePython.require(repo).toString();
        Path dags = repo.resolve("cluster-config/airflow");
        compiles(dags.resolve("sparkft_pipeline.py"), dags.resolve("sparkft_weekly_dag.py"));

        Path dataRoot = dir.resolve("data");
        Path outputRoot = dir.resolve("runs");
        writeWeek(TestSpark.session(), repo, dataRoot.resolve(DATE));
        Path weights = startingWeights(dir.resolve("hf-start"));
        Path config = Files.writeString(dir.resolve("weekly.yaml"), String.join("\n",
                "run: {name: weekly, seed: 42}",
                "data:",
                "  partitions: 2",
                "  text: {textColumn: text, labelColumn: label, maxLength: 48, tokenizer: bundled:all-minilm-l6-v2}",
                "model:",
                "  engine: djl-pytorch",
                "  options: {task: sequence-classification, numLabels: 2, weights: \"" + weights.toUri() + "\"}",
                "training: {globalBatch: 32, microBatch: 16, epochs: 2}",
                "optimizer: {type: adamw, learningRate: 2.0e-3}",
                "logging: {everySteps: 2}",
                "predict: {textColumn: text, keyColumns: [id], batchSize: 8}",
                ""));

        Path home = SparkHome.create(repo, dir.resolve("spark-home"));
        int port = freePort();
        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, port, freePort(), 2)) {
            String master = cluster.masterUrl(port);
            List<Task> tasks = tasks(home, master, appJar, repo, config, dataRoot, outputRoot, "0.5");
            assertEquals(List.of("prepare", "train", "evaluate", "export", "predict"),
                    tasks.stream().map(Task::id).toList());
            Path out = outputRoot.resolve(DATE);
            for (Task task : tasks) {
                Result r = task.id().equals("train")
                        ? run(task, home, cluster, () -> hide(weights), () -> unhide(weights))
                        : run(task, home, cluster, null, null);
                assertEquals(0, r.code(), task.id() + " exited " + r.code() + ":\n" + tail(r.log(), 60) + "\n"
                        + cluster.logs());
                System.out.printf("task %s: %.1f s%n", task.id(), r.seconds());
                if (task.id().equals("train")) {
                    assertTrue(r.hidden(), "the weights folder was hidden once the driver had resolved the model:\n"
                            + tail(r.log(), 40));
                    assertTrue(r.log().contains("spark://127.0.0.1:" + port), "the driver used the standalone master");
                }
            }

            // What each task left where the next one (or a person) takes it.
            assertTrue(Files.isRegularFile(out.resolve("data/dataset.json")), "prepare wrote its descriptor");
            String report = Files.readString(out.resolve("evaluation/report.txt"));
            assertTrue(report.contains("ham") && report.contains("spam"), report);
            assertTrue(Files.isRegularFile(out.resolve("model/config.json")), "export wrote a Hugging Face folder");
            assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
            SparkSession spark = TestSpark.session();
            Dataset<Row> predictions = spark.read().parquet(out.resolve("predictions").toString());
            Dataset<Row> rejects = spark.read().parquet(out.resolve("predictions/_rejects").toString());
            assertEquals(SCORE_ROWS - 1, predictions.count(), "every encodable document scored");
            assertEquals(1, rejects.count(), "the empty document rejected");
            assertEquals(List.of("id"), List.of(rejects.columns()).subList(0, 1));
            for (Row row : predictions.select("predicted_label", "probabilities").collectAsList()) {
                assertTrue(List.of("ham", "spam").contains(row.getString(0)), row.toString());
                List<Float> p = row.getList(1);
                assertEquals(1.0, p.get(0) + p.get(1), 1e-5, "probabilities sum to one: " + row);
            }

            // A retried or cleared train task: the run is complete, nothing is trained or replaced.
            List<String> checkpoints = listing(out.resolve("checkpoints"));
            Result again = run(tasks.get(1), home, cluster, null, null);
            assertEquals(0, again.code(), tail(again.log(), 40));
            assertTrue(again.log().contains("is already complete at step"), tail(again.log(), 40));
            assertEquals(checkpoints, listing(out.resolve("checkpoints")));

            // The gate: a threshold above what the model reaches fails the task, naming metric and threshold.
            double accuracy = JSON.readTree(Files.readAllLines(out.resolve("evaluation/metrics.jsonl")).get(0))
                    .get("accuracy").asDouble();
            assertTrue(accuracy >= 0.5 && accuracy < 1.0, "a 10-step tiny model on 64 messages: " + accuracy);
            Task strict = tasks(home, master, appJar, repo, config, dataRoot, outputRoot, "1.0").get(2);
            Result gated = run(strict, home, cluster, null, null);
            assertEquals(3, gated.code(), tail(gated.log(), 40));
            assertTrue(gated.log().contains("is below the threshold 1.0"), tail(gated.log(), 20));
        }
    }

    /** One task's spark-submit command line, as the pipeline module prints it. */
    record Task(String id, List<String> command) {
    }

    record Result(int code, String log, double seconds, boolean hidden) {
    }

    /** The DAG's tasks for {@link #DATE}, from {@code sparkft_pipeline.py}, as spark-submit command lines. */
    private List<Task> tasks(Path home, String master, Path appJar, Path repo, Path config, Path dataRoot,
            Path outputRoot, String minAccuracy) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python,
                repo.resolve("cluster-config/airflow/sparkft_pipeline.py").toString(),
                home.resolve("bin/spark-submit").toString(), master, appJar.toString(),
                repo.resolve("cluster-config/spark-defaults.conf").toString(), config.toString(), dataRoot.toString(),
                outputRoot.toString(), DATE, minAccuracy,
                // What a site adds for its cluster; here: small executors, no UI.
                "spark.ui.enabled=false", "spark.executor.memory=768m", "spark.driver.memory=1g"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "sparkft_pipeline.py failed:\n" + text);
        List<Task> tasks = new ArrayList<>();
        for (String line : text.strip().split("\n")) {
            JsonNode n = JSON.readTree(line);
            List<String> command = new ArrayList<>();
            n.get("command").forEach(c -> command.add(c.asText()));
            tasks.add(new Task(n.get("task_id").asText(), command));
        }
        return tasks;
    }

    /**
     * Runs a task's command against the cluster; {@code onResolved} runs when the driver logs that it resolved the
     * model, {@code atEnd} when the driver has exited.
     */
    private Result run(Task task, Path home, StandaloneCluster cluster, Runnable onResolved, Runnable atEnd)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(task.command());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().remove("SPARKFT_AUTH_SECRET");
        pb.environment().put("SPARKFT_AUTH_SECRET_FILE", cluster.secretFile().toString());
        pb.redirectErrorStream(true);
        long start = System.nanoTime();
        Process p = pb.start();
        StringBuilder log = new StringBuilder();
        AtomicBoolean hidden = new AtomicBoolean();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Thread reader = new Thread(() -> {
                try {
                    for (String line; (line = in.readLine()) != null; ) {
                        synchronized (log) {
                            log.append(line).append('\n');
                        }
                        if (onResolved != null && !hidden.get() && line.contains(DriverModel.RESOLVED)) {
                            onResolved.run();
                            hidden.set(true);
                        }
                    }
                } catch (IOException e) {
                    synchronized (log) {
                        log.append("[reading the driver's output failed: ").append(e).append("]\n");
                    }
                }
            }, "driver-output");
            reader.start();
            boolean done = p.waitFor(240, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            reader.join(10_000);
        } finally {
            if (atEnd != null) {
                atEnd.run();
            }
        }
        synchronized (log) {
            return new Result(p.exitValue(), log.toString(), (System.nanoTime() - start) / 1e9, hidden.get());
        }
    }

    /**
     * The week's raw text, as an upstream job lands it: {@code train} and {@code test} (text, label) from the
     * shipped spam sample, and {@code score} (id, text) to predict, one of its documents empty.
     */
    private static void writeWeek(SparkSession spark, Path repo, Path week) {
        // The sample's files are ordered by label: a hash order mixes ham and spam, the same way every run.
        Dataset<Row> train = spark.read().parquet(repo.resolve("examples/data/spam/train").toString())
                .orderBy(functions.hash(functions.col("text")));
        Dataset<Row> test = spark.read().parquet(repo.resolve("examples/data/spam/test").toString())
                .orderBy(functions.hash(functions.col("text")));
        train.select("text", "label").limit(TRAIN_ROWS).coalesce(2).write().parquet(week.resolve("train").toString());
        test.select("text", "label").limit(TEST_ROWS).coalesce(1).write().parquet(week.resolve("test").toString());
        List<Row> rows = test.select("text").limit(TEST_ROWS + SCORE_ROWS).collectAsList()
                .subList(TEST_ROWS, TEST_ROWS + SCORE_ROWS);
        List<Row> keyed = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            keyed.add(RowFactory.create("doc-" + i, i == 3 ? "" : rows.get(i).getString(0)));
        }
        spark.createDataFrame(keyed, new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType))
                .coalesce(2).write().parquet(week.resolve("score").toString());
    }

    /**
     * A seeded random 2-layer BERT over all-MiniLM-L6-v2's vocabulary with a ham/spam head, written as a Hugging
     * Face folder (config.json, model.safetensors, tokenizer.json): the run's starting weights.
     */
    private static Path startingWeights(Path folder) throws IOException {
        ModelSpec spec = new ModelSpec("djl-pytorch", Map.of("task", "sequence-classification", "numLabels", 2,
                "seed", 7, "config", Map.of("vocab_size", 30522, "hidden_size", 32, "num_hidden_layers", 2,
                        "num_attention_heads", 2, "intermediate_size", 64, "max_position_embeddings", 64)));
        ResolvedModel random = ModelEngines.resolve(spec);
        BertModelOptions options = random.architecture().details(BertModelOptions.class);
        Path tokenizer = folder.resolveSibling("tokenizer.json");
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            Files.copy(in, tokenizer);
        }
        BertExport.write(options, options.layout(), random.initialParameters(), List.of("ham", "spam"), tokenizer,
                folder);
        return folder;
    }

    private static void hide(Path weights) {
        try {
            Files.move(weights, weights.resolveSibling(weights.getFileName() + ".hidden"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot hide " + weights, e);
        }
    }

    private static void unhide(Path weights) {
        Path hidden = weights.resolveSibling(weights.getFileName() + ".hidden");
        try {
            if (Files.exists(hidden)) {
                Files.move(hidden, weights);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot restore " + weights, e);
        }
    }

    /** The DAG file and the module it imports compile (Airflow itself is not installable here). */
    private void compiles(Path... files) throws Exception {
        for (Path f : files) {
            Path cache = Files.createTempDirectory("pycache");
            Process p = new ProcessBuilder(python, "-c",
                    "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                    f.toString(), cache.resolve("out.pyc").toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, f + " does not compile:\n" + out);
        }
    }

    private static List<String> listing(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }
}

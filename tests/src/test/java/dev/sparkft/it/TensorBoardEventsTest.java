package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TensorBoard event files a run writes, read back by TensorBoard's own loader (its EventAccumulator, in the
 * reference venv: scripts/reference/read_tensorboard.py): every number of every metrics.jsonl line is a scalar
 * with the same step and the same value as float32, nothing more; each step appears once after a crash and a
 * resume; the config is there as text and the run's settings as hyperparameters. The round lines carry Spark's
 * telemetry (skew, slowest executor, GC, peak memory).
 */
class TensorBoardEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void eventFilesHoldTheMetricsFileAfterACrashAndAResume() throws Exception {
        Blobs train = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 9, -1);
        Blobs validation = Blobs.write(TestSpark.session(), dir.resolve("v"), 40, TestRuns.DIMS, TestRuns.CLASSES, 5, -1);
        Path out = dir.resolve("run");
        String[] common = {"data.validation=" + validation.path(), "checkpoint.everySteps=4",
                "checkpoint.everyEpochs=0", "evaluation.everyEpochs=1", "training.steps=10",
                "optimizer.type=adamw", "optimizer.learningRate=0.05"};
        TestRuns.train(TestRuns.config(train.path(), out, common), false);
        // A crash after step 10 but before its checkpoint: the resumed run redoes steps 8 and 9, then goes on.
        Files.delete(out.resolve("checkpoints/step-000000000010.ckpt"));
        TrainConfig longer = TestRuns.config(train.path(), out, Stream.concat(Stream.of(common),
                Stream.of("training.steps=14")).toArray(String[]::new));
        TestRuns.train(longer, true);

        try (Stream<Path> files = Files.list(out.resolve("tensorboard"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(2, names.size(), "one event file per start: " + names);
            assertTrue(names.stream().allMatch(n -> n.startsWith("events.out.tfevents.")), names.toString());
        }
        JsonNode read = readWithTensorBoard(out.resolve("tensorboard"));

        // What metrics.jsonl says, as TensorBoard tags: round lines under train/, evaluations under validation/.
        Map<String, Map<Long, Float>> expected = new TreeMap<>();
        int rounds = 0;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            boolean round = n.has("loss");
            rounds += round ? 1 : 0;
            if (round) {
                // Spark's view of the round: in local mode every task runs on the driver's executor.
                assertTrue(n.get("taskSkew").asDouble() >= 1.0, line);
                assertTrue(n.get("slowestExecutor").asText().startsWith("driver ("), line);
                assertTrue(n.get("driverPeakRssBytes").asLong() > 50_000_000L, line);
                assertTrue(n.get("executorGcMs").asLong() >= 0 && n.get("driverGcMs").asLong() >= 0, line);
            }
            numbers(round ? "train/" : "validation/", n, n.get("step").asLong(), expected);
        }
        assertEquals(14, rounds, "the metrics file has each step once");
        Map<String, Map<Long, Float>> actual = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = read.get("scalars").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> tag = it.next();
            Map<Long, Float> points = new TreeMap<>();
            for (JsonNode point : tag.getValue()) {
                Float before = points.put(point.get(0).asLong(), (float) point.get(1).asDouble());
                assertEquals(null, before, tag.getKey() + " has step " + point.get(0) + " twice");
            }
            actual.put(tag.getKey(), points);
        }
        assertEquals(expected.keySet(), actual.keySet());
        for (String tag : expected.keySet()) {
            assertEquals(expected.get(tag), actual.get(tag), tag);
        }
        assertTrue(actual.containsKey("validation/classes/class0/f1") || actual.keySet().stream()
                .anyMatch(t -> t.matches("validation/classes/.+/f1")), actual.keySet().toString());
        assertEquals(14, actual.get("train/loss").size());

        String config = read.get("text").get("config").get(0).asText();
        assertTrue(config.contains("globalBatch: 16") && config.contains("tensorboardDir:"), config);
        JsonNode hparams = read.get("hparams");
        assertEquals("test", hparams.get("group").asText());
        assertEquals("adamw", hparams.get("start").get("optimizer.type").asText());
        assertEquals(0.05, hparams.get("start").get("optimizer.learningRate").asDouble(), 0);
        assertEquals(2, hparams.get("start").get("data.partitions").asInt());
        assertEquals("STATUS_SUCCESS", hparams.get("end").asText());
    }

    /** Every number under {@code node} but the step, as tag to (step to float32 value). */
    private static void numbers(String prefix, JsonNode node, long step, Map<String, Map<Long, Float>> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String tag = prefix + field.getKey();
            if (field.getValue().isObject()) {
                numbers(tag + "/", field.getValue(), step, out);
            } else if (field.getValue().isNumber() && !tag.endsWith("/step")) {
                Float before = out.computeIfAbsent(tag, t -> new TreeMap<>()).put(step, field.getValue().floatValue());
                assertEquals(null, before, tag + " at step " + step + " twice in metrics.jsonl");
            }
        }
    }

    private JsonNode readWithTensorBoard(Path logdir) throws Exception {
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath().normalize();
        Path python = ReferencePython.require(repo);
        Path json = dir.resolve("tensorboard.json");
        Path log = dir.resolve("tensorboard.log");
        Process p = new ProcessBuilder(python.toString(), repo.resolve("scripts/reference/read_tensorboard.py").toString(),
                logdir.toString(), json.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("read_tensorboard.py took over 3 minutes");
        }
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        // A record that fails its CRC check is reported as data loss and ends the file.
        assertTrue(!output.contains("DataLoss") && !output.contains("crc32"), output);
        return JSON.readTree(json.toFile());
    }
}

package dev.sparkft.spark.driver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sparkft.spark.tensorboard.EventFileWriter;
import dev.sparkft.spark.tensorboard.Summaries;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Writes the run's figures as TensorBoard events, on the driver, into {@code logging.tensorboardDir}: every field
 * of every metrics line as a scalar ({@link MetricsLines}: the same numbers as metrics.jsonl, as float32), round
 * figures under {@code train/}, evaluations under {@code validation/} (per class as
 * {@code validation/classes/<label>/f1}); the resolved config as text; the settings that define the run as
 * hyperparameters. Flushed after every round, so a TensorBoard pointed at the folder follows a running job.
 *
 * <p>Every start (and every {@code --resume}) opens a new event file that begins with a restart marker at its
 * first step, so TensorBoard, like the metrics file, shows each step once.
 */
final class TensorBoardMetrics implements TrainingListener {
    /** The config sections shown as hyperparameters: what changes the trajectory, and the partition count. */
    private static final List<String> HPARAMS = List.of("run.seed", "data.partitions", "model", "training", "optimizer",
            "clipping");

    private final String dir;
    private final Configuration hadoop;
    private final JsonNode config;
    private EventFileWriter events;

    TensorBoardMetrics(String dir, Configuration hadoop, JsonNode config) {
        this.dir = dir;
        this.hadoop = hadoop;
        this.config = config;
    }

    @Override
    public void onStart(TrainingState state) {
        events = EventFileWriter.create(dir, hadoop);
        double now = now();
        events.write(Summaries.start(state.step(), now));
        events.write(Summaries.text(state.step(), now, "config", "```yaml\n" + yaml(config) + "```"));
        Map<String, Object> hparams = new LinkedHashMap<>();
        for (String key : HPARAMS) {
            JsonNode n = config;
            for (String part : key.split("\\.")) {
                n = n.path(part);
            }
            flatten(key, n, hparams);
        }
        events.write(Summaries.hparamsStart(now, config.path("run").path("name").asText(), hparams));
        events.flush();
    }

    @Override
    public void onRound(RoundReport round, TrainingState state) {
        write("train/", MetricsLines.round(round, state));
    }

    @Override
    public void onEvaluation(ValidationResult result, TrainingState state) {
        write("validation/", MetricsLines.evaluation(result));
    }

    @Override
    public void onEnd(TrainingState state) {
        events.write(Summaries.hparamsEnd(now(), true));
        events.flush();
    }

    @Override
    public void close() {
        if (events != null) {
            events.close();
            events = null;
        }
    }

    /** Every finite number in {@code line} but the step, as a scalar at the line's step. */
    private void write(String prefix, JsonNode line) {
        Map<String, Double> scalars = new LinkedHashMap<>();
        numbers(prefix, line, scalars);
        scalars.remove(prefix + "step");
        events.write(Summaries.scalars(line.get("step").asLong(), now(), scalars));
        events.flush();
    }

    private static void numbers(String prefix, JsonNode node, Map<String, Double> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            // Not-a-number figures (a skipped round's norm, FLOPs an engine does not count) are strings in
            // metrics.jsonl, and no point on a chart.
            if (field.getValue().isNumber() && Double.isFinite(field.getValue().asDouble())) {
                out.put(prefix + field.getKey(), field.getValue().asDouble());
            } else if (field.getValue().isObject()) {
                numbers(prefix + field.getKey() + "/", field.getValue(), out);
            }
        }
    }

    /** Leaves under {@code node} as dotted names; lists as their JSON text. */
    private static void flatten(String name, JsonNode node, Map<String, Object> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> flatten(name + "." + f.getKey(), f.getValue(), out));
        } else if (node.isNumber()) {
            out.put(name, node.numberValue());
        } else if (node.isBoolean()) {
            out.put(name, node.booleanValue());
        } else if (node.isTextual()) {
            out.put(name, node.textValue());
        } else if (!node.isMissingNode() && !node.isNull()) {
            out.put(name, node.toString());
        }
    }

    private static String yaml(JsonNode tree) {
        try {
            return new YAMLMapper().writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}

package dev.sparkft.spark.driver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Refuses to resume from a checkpoint that would not continue the same trajectory: a different model
 * layout, dataset size or data (by fingerprint), or any setting that changes which updates are made.
 * Settings that do not (partitions, microBatch, steps, master, logging, checkpointing) may change between runs,
 * except the partition count when the partitions kept state (averaging, compression).
 */
final class ResumeCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    // data.train is not here: the data fingerprint identifies the examples wherever they are stored.
    private static final List<String> TRAJECTORY = List.of("run.seed", "model", "training.mode",
            "training.globalBatch", "training.averaging", "training.communication", "optimizer", "clipping", "onNonFinite");

    private ResumeCheck() {
    }

    static void requireCompatible(Checkpoint c, String source, TrainConfig config, ParameterLayout layout,
            long examples, String dataFingerprint) {
        String fingerprint = Checkpoint.fingerprint(layout);
        if (!c.layoutFingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("cannot resume from " + source + ": it holds a model with layout "
                    + c.layoutFingerprint() + " but model " + config.model().engine() + " has layout " + fingerprint
                    + " (parameters:fingerprint); use a new checkpoint.dir to start over");
        }
        if (c.examples() != examples) {
            throw new IllegalArgumentException("cannot resume from " + source + ": it was trained on " + c.examples()
                    + " examples but " + config.data().train() + " now has " + examples
                    + "; the global batches would differ");
        }
        if (c.dataFingerprint() != null && !c.dataFingerprint().equals(dataFingerprint)) {
            throw new IllegalArgumentException("cannot resume from " + source + ": the training data "
                    + config.data().train() + " is not what the checkpoint's run trained on (data fingerprint "
                    + dataFingerprint + ", the checkpoint's " + c.dataFingerprint() + "): its values or its files"
                    + " changed, so the same steps would see other examples; restore the data or use a new"
                    + " checkpoint.dir");
        }
        int partitions = config.data().partitions();
        if (!c.partitions().isEmpty() && c.partitions().size() != partitions) {
            throw new IllegalArgumentException("cannot resume from " + source + ": its partitions kept state (inner"
                    + " optimizer moments or compression residuals) for " + c.partitions().size() + " partitions,"
                    + " but data.partitions is " + partitions + "; set data.partitions: " + c.partitions().size()
                    + " to continue exactly, or use a new checkpoint.dir");
        }
        JsonNode saved;
        try {
            saved = JSON.readTree(c.configJson());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot resume from " + source + ": its config is unreadable", e);
        }
        JsonNode now = ConfigLoader.toTree(config);
        List<String> keys = c.dataFingerprint() != null ? TRAJECTORY
                : Stream.concat(TRAJECTORY.stream(), Stream.of("data.train")).toList();
        for (String key : keys) {
            String diff = firstDifference(key, at(saved, key), at(now, key));
            if (diff != null) {
                throw new IllegalArgumentException("cannot resume from " + source + ": " + diff
                        + "; resuming must continue the same run (restore the setting or use a new checkpoint.dir)");
            }
        }
    }

    private static JsonNode at(JsonNode root, String dotted) {
        JsonNode n = root;
        for (String part : dotted.split("\\.")) {
            n = n.path(part);
        }
        return n;
    }

    private static String firstDifference(String path, JsonNode saved, JsonNode now) {
        if (saved.isObject() && now.isObject()) {
            Iterator<String> names = saved.fieldNames();
            while (names.hasNext()) {
                String k = names.next();
                String d = firstDifference(path + "." + k, saved.path(k), now.path(k));
                if (d != null) {
                    return d;
                }
            }
            Iterator<String> added = now.fieldNames();
            while (added.hasNext()) {
                String k = added.next();
                if (!saved.has(k)) {
                    return "'" + path + "." + k + "' is " + now.get(k) + " now but was not set in the checkpoint's run";
                }
            }
            return null;
        }
        if (saved.isArray() && now.isArray()) {
            // Element by element, so numbers compare by value (a long written is an int read back).
            if (saved.size() != now.size()) {
                return "'" + path + "' was " + show(saved) + " in the checkpoint's run, now " + show(now);
            }
            for (int i = 0; i < saved.size(); i++) {
                String d = firstDifference(path + "[" + i + "]", saved.get(i), now.get(i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        boolean same = saved.isNumber() && now.isNumber() ? saved.doubleValue() == now.doubleValue() : saved.equals(now);
        return same ? null : "'" + path + "' was " + show(saved) + " in the checkpoint's run, now " + show(now);
    }

    private static String show(JsonNode n) {
        return n.isMissingNode() ? "unset" : n.toString();
    }
}

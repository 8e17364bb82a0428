package dev.sparkft.spark.driver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import java.util.Iterator;
import java.util.List;

/**
 * Refuses to resume from a checkpoint that would not continue the same trajectory: a different model
 * layout, dataset size, or any setting that changes which updates are made. Settings that do not
 * (partitions, microBatch, steps, master, logging, checkpointing) may change between runs.
 */
final class ResumeCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TRAJECTORY = List.of("run.seed", "data.train", "model", "training.mode",
            "training.globalBatch", "training.averaging", "optimizer", "clipping", "onNonFinite");

    private ResumeCheck() {
    }

    static void requireCompatible(Checkpoint c, String source, TrainConfig config, ParameterLayout layout,
            long examples) {
        String fingerprint = Checkpoint.fingerprint(layout);
        if (!c.layoutFingerprint().equals(fingerprint)) {
            throw new IllegalStateException("cannot resume from " + source + ": it holds a model with layout "
                    + c.layoutFingerprint() + " but model " + config.model().engine() + " has layout " + fingerprint
                    + " (parameters:fingerprint); use a new checkpoint.dir to start over");
        }
        if (c.examples() != examples) {
            throw new IllegalStateException("cannot resume from " + source + ": it was trained on " + c.examples()
                    + " examples but " + config.data().train() + " now has " + examples
                    + "; the global batches would differ");
        }
        JsonNode saved;
        try {
            saved = JSON.readTree(c.configJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot resume from " + source + ": its config is unreadable", e);
        }
        JsonNode now = ConfigLoader.toTree(config);
        for (String key : TRAJECTORY) {
            String diff = firstDifference(key, at(saved, key), at(now, key));
            if (diff != null) {
                throw new IllegalStateException("cannot resume from " + source + ": " + diff
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
        boolean same = saved.isNumber() && now.isNumber() ? saved.doubleValue() == now.doubleValue() : saved.equals(now);
        return same ? null : "'" + path + "' was " + show(saved) + " in the checkpoint's run, now " + show(now);
    }

    private static String show(JsonNode n) {
        return n.isMissingNode() ? "unset" : n.toString();
    }
}

package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.EvaluateSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Driver side: the trained model a job ({@code evaluate}, {@code predict}, {@code export}) works with, resolved
 * once before any Spark work: a checkpoint of the run (the newest complete one in {@code checkpoint.dir}, or the
 * one of a given step), whose layout must be the configured model's; or an exported model folder, read through
 * the engine's own weights option (through {@link DriverModel}, so a folder may be any Hadoop FS URI). Executors get
 * only the resolved {@link ModelArchitecture}, never a path.
 */
public final class ModelSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STEP = Pattern.compile("step-0*(\\d+)\\.ckpt");
    /** The option through which an engine reads an exported folder back (the djl-pytorch BERT engine's). */
    static final String WEIGHTS_OPTION = "weights";

    /**
     * A resolved model.
     *
     * @param architecture what executors build
     * @param params      the flat parameters to load into it
     * @param step        the training step the parameters are from; -1 when the folder does not say
     * @param description where the parameters came from, for messages and reports
     * @param labels      class names in id order; empty: number the classes
     * @param columns     what the model reads to predict (no labels)
     * @param labelled    what it reads to evaluate (inputs and labels)
     * @param expectations what its input columns must hold
     */
    public record Resolved(ModelArchitecture architecture, float[] params, long step, String description, List<String> labels,
            List<String> columns, List<String> labelled, List<ColumnExpectation> expectations) {

        /** True when the model labels every token ({@code labels} {@code [n, seq]}) rather than the example. */
        public boolean perToken() {
            return labelled.contains("labels");
        }
    }

    private ModelSource() {
    }

    /**
     * Resolves {@code model} ({@value EvaluateSettings#CHECKPOINT} or a folder; {@code key} names the config key it came
     * from); {@code step} null takes the newest complete checkpoint. {@code prepared} is the config over the
     * tokenised tables (for the class names of a checkpoint).
     */
    public static Resolved resolve(TrainConfig prepared, String model, String key, Long step, Configuration conf) {
        if (model.equals(EvaluateSettings.CHECKPOINT)) {
            return checkpoint(prepared, step, conf);
        }
        if (step != null) {
            throw new IllegalArgumentException("--step picks a checkpoint, but " + key + " is the folder " + model
                    + "; drop --step or set " + key + "=checkpoint");
        }
        return folder(prepared, model, key, conf);
    }

    private static Resolved checkpoint(TrainConfig config, Long step, Configuration conf) {
        String dir = config.checkpoint().dir();
        CheckpointStore store = new CheckpointStore(dir, conf, config.checkpoint().keepLast());
        Checkpoint c;
        List<Path> all = store.list();
        if (step == null) {
            c = store.latest().orElseThrow(() -> new IllegalArgumentException("checkpoint.dir " + dir + " holds no"
                    + " complete checkpoint; train first, or point checkpoint.dir (or run.outputDir) at a trained run"));
        } else {
            Path file = all.stream().filter(p -> stepOf(p) == step).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("--step " + step + ": checkpoint.dir " + dir + " has no checkpoint"
                            + " of that step (it has steps " + all.stream().map(ModelSource::stepOf).toList() + ")"));
            try {
                c = store.read(file);
            } catch (IOException e) {
                throw new IllegalArgumentException("--step " + step + ": checkpoint " + file + " cannot be read: "
                        + e.getMessage() + "; pick another step", e);
            }
        }
        // Resolved for a resume: the starting weights are not read, only the architecture.
        ModelArchitecture architecture = DriverModel.resolve(config.model(), true, conf).architecture();
        Built built = build(architecture);
        if (!built.layout().equals(c.layoutFingerprint())) {
            throw new IllegalArgumentException("checkpoint.dir " + dir + " at step " + c.step() + " holds a model"
                    + " with layout " + c.layoutFingerprint() + " but the config's model " + config.model().engine()
                    + " has layout " + built.layout() + "; use the config the run was trained with");
        }
        List<String> labels = LabelNames.resolve(config.evaluation().labels(), config.data().train(), conf);
        return new Resolved(architecture, c.params(), c.step(), dir + " at step " + c.step(), labels,
                built.columns(), built.labelled(), built.expectations());
    }

    /**
     * An exported folder: the configured model's options with the folder as its weights (architecture, class
     * count and classifier are the folder's own, so {@code config}, {@code numLayers}, {@code numLabels} and
     * {@code head} are taken from it: a run that fine-tuned a new head exported that head, which {@code head: new}
     * would replace by a fresh one).
     */
    private static Resolved folder(TrainConfig config, String folder, String key, Configuration conf) {
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(folder);
        org.apache.hadoop.fs.Path configFile = new org.apache.hadoop.fs.Path(dir, "config.json");
        JsonNode configJson;
        try (InputStream in = configFile.getFileSystem(conf).open(configFile)) {
            configJson = JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": " + folder + " is not an exported model folder (no readable"
                    + " config.json: " + e.getMessage() + "); give the export.dir of a run, or 'checkpoint'", e);
        }
        if (ModelEngines.find(config.model().engine()).exporter().isEmpty()) {
            throw new IllegalArgumentException(key + ": model.engine '" + config.model().engine() + "' exports no"
                    + " folder that can be read back; use " + key + "=checkpoint");
        }
        List<String> labels = folderLabels(configJson, configFile.toString());
        Map<String, Object> options = new LinkedHashMap<>(config.model().options());
        options.remove("config");
        options.remove("numLayers");
        options.remove("head");
        options.remove("lora"); // the folder holds the adapters merged: a plain model
        options.put(WEIGHTS_OPTION, folder);
        if (!labels.isEmpty()) {
            options.put("numLabels", labels.size());
        }
        ModelSpec spec = new ModelSpec(config.model().engine(), options);
        DriverModel model;
        try {
            model = DriverModel.resolve(spec, false, conf);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + folder + " cannot be read as model.engine '"
                    + spec.engine() + "': " + e.getMessage(), e);
        }
        Built built = build(model.architecture());
        return new Resolved(model.architecture(), model.takeInitialParameters(), markerStep(dir, conf),
                "model folder " + folder, labels, built.columns(), built.labelled(), built.expectations());
    }

    private record Built(List<String> columns, List<String> labelled, List<ColumnExpectation> expectations,
            String layout) {
    }

    private static Built build(ModelArchitecture architecture) {
        try (TrainableModel m = ModelEngines.create(architecture.withFrozen(null))) { // no compute: layout only
            return new Built(m.predictionColumns(), m.inputColumns(), m.expectations(),
                    Checkpoint.fingerprint(m.layout()));
        }
    }

    /**
     * Class names in id order from a Hugging Face config.json's {@code id2label}, or a CNN folder's
     * {@code class_names}; empty when it has neither.
     */
    private static List<String> folderLabels(JsonNode configJson, String file) {
        JsonNode classNames = configJson.path("class_names");
        if (classNames.isArray() && !classNames.isEmpty()) {
            List<String> names = new ArrayList<>();
            classNames.forEach(n -> names.add(n.asText()));
            return names;
        }
        try {
            JsonNode id2label = configJson.path("id2label");
            TreeMap<Integer, String> byId = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = id2label.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            }
            return new ArrayList<>(byId.values());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": id2label has a key that is not a class id: " + e.getMessage(),
                    e);
        }
    }

    /** The step an export's marker file records, or -1. */
    private static long markerStep(org.apache.hadoop.fs.Path dir, Configuration conf) {
        org.apache.hadoop.fs.Path marker = new org.apache.hadoop.fs.Path(dir, ModelExport.MARKER);
        try {
            org.apache.hadoop.fs.FileSystem fs = marker.getFileSystem(conf);
            if (!fs.exists(marker)) {
                return -1;
            }
            try (InputStream in = fs.open(marker)) {
                return JSON.readTree(in).path("step").asLong(-1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + marker, e);
        }
    }

    private static long stepOf(Path p) {
        Matcher m = STEP.matcher(p.getName());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}

package dev.sparkft.spark.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.ParameterGroup;
import dev.sparkft.optim.ScheduleConfig;
import dev.sparkft.spark.config.TrainConfig.Augment;
import dev.sparkft.spark.config.TrainConfig.Averaging;
import dev.sparkft.spark.config.TrainConfig.Checkpointing;
import dev.sparkft.spark.config.TrainConfig.Clipping;
import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.config.TrainConfig.Data;
import dev.sparkft.spark.config.TrainConfig.EvaluateSettings;
import dev.sparkft.spark.config.TrainConfig.Evaluation;
import dev.sparkft.spark.config.TrainConfig.Export;
import dev.sparkft.spark.config.TrainConfig.Logging;
import dev.sparkft.spark.config.TrainConfig.Metric;
import dev.sparkft.spark.config.TrainConfig.Mode;
import dev.sparkft.spark.config.TrainConfig.NonFinitePolicy;
import dev.sparkft.spark.config.TrainConfig.PredictSettings;
import dev.sparkft.spark.config.TrainConfig.Run;
import dev.sparkft.spark.config.TrainConfig.SkipLimits;
import dev.sparkft.spark.config.TrainConfig.TextData;
import dev.sparkft.spark.config.TrainConfig.Training;
import dev.sparkft.spark.executor.DeltaCompression;
import dev.sparkft.spark.executor.WirePrecision;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * Reads a {@link TrainConfig} from YAML or JSON plus {@code key.path=value} overrides (values parsed as YAML
 * scalars, so {@code training.globalBatch=64} is a number). Unknown keys and ill-typed values are errors
 * naming the full key path; {@link #toTree} writes the canonical form stored in checkpoints.
 */
public final class ConfigLoader {
    // A key given twice would otherwise silently take the last value: refuse it, naming the key.
    private static final ObjectMapper YAML = new YAMLMapper(new NonFiniteYamlFactory())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");

    private ConfigLoader() {
    }

    public static TrainConfig load(Path file, List<String> overrides) {
        return load(file.toString(), overrides);
    }

    /**
     * Reads the config file at {@code location}: a local path or any Hadoop FileSystem URI ({@code file:},
     * {@code hdfs:}, {@code s3a:}, ...), with the {@code spark.hadoop.*} settings of this JVM.
     */
    public static TrainConfig load(String location, List<String> overrides) {
        return load(location, overrides, SparkHadoopUtil.get().newConfiguration(new SparkConf()));
    }

    public static TrainConfig load(String location, List<String> overrides, Configuration hadoopConf) {
        ObjectNode tree = tree(location, overrides, hadoopConf);
        try {
            return fromTree(tree);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(location + ": " + e.getMessage(), e);
        }
    }

    /** The tree of the config file at {@code location} (as {@link #load}) with the overrides applied, unchecked. */
    public static ObjectNode tree(String location, List<String> overrides) {
        return tree(location, overrides, SparkHadoopUtil.get().newConfiguration(new SparkConf()));
    }

    private static ObjectNode tree(String location, List<String> overrides, Configuration hadoopConf) {
        String text;
        org.apache.hadoop.fs.Path file;
        try {
            file = new org.apache.hadoop.fs.Path(location);
            try (FSDataInputStream in = file.getFileSystem(hadoopConf).open(file)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof FileNotFoundException ? "no such file" : e.getMessage();
            throw new IllegalArgumentException("cannot read config file " + location + ": " + why, e);
        }
        try {
            return parseTree(text, file.getName().toLowerCase().endsWith(".json"), overrides);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(location + ": " + e.getMessage(), e);
        }
    }

    /** Parses config text ({@code json} true for JSON, else YAML) and applies the overrides in order. */
    public static TrainConfig parse(String text, boolean json, List<String> overrides) {
        return fromTree(parseTree(text, json, overrides));
    }

    private static ObjectNode parseTree(String text, boolean json, List<String> overrides) {
        JsonNode tree;
        try {
            tree = (json ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid " + (json ? "JSON" : "YAML") + ": "
                    + duplicateKeyMessage(e.getOriginalMessage()) + locationOf(e), e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = JSON.createObjectNode();
        }
        if (!tree.isObject()) {
            throw new IllegalArgumentException("a config must be a mapping of sections (run, data, model, ...)");
        }
        ObjectNode root = (ObjectNode) tree;
        for (String o : overrides) {
            applyOverride(root, o);
        }
        return root;
    }

    /** Builds a config from a tree, rejecting unknown keys in every section. */
    public static TrainConfig fromTree(ObjectNode tree) {
        ConfigNode root = ConfigNode.root(tree);

        ConfigNode r = root.section("run");
        String name = r.string("name", "sparkft");
        Run run = new Run(name, r.string("master", "local[2]"), r.longValue("seed", 42L),
                r.string("outputDir", "runs/" + name));
        r.rejectUnknown();

        ConfigNode d = root.section("data");
        TextData text = null;
        if (d.has("text")) {
            ConfigNode x = d.section("text");
            text = new TextData(x.string("textColumn", "text"), x.string("labelColumn", "label"),
                    x.integer("maxLength", 128), x.string("tokenizer", null),
                    x.has("windowStride") ? x.integer("windowStride", null) : null);
            x.rejectUnknown();
        }
        Augment augment = null;
        if (d.has("augment")) {
            ConfigNode g = d.section("augment");
            double[] scale = range(g, "scale", 0.08, 1.0);
            double[] ratio = range(g, "ratio", 3.0 / 4.0, 4.0 / 3.0);
            augment = new Augment(g.string("column", "pixels"), g.bool("crop", true), scale[0], scale[1], ratio[0],
                    ratio[1], g.number("flip", 0.5), g.longValue("seed", run.seed()));
            g.rejectUnknown();
        }
        Data data = new Data(d.string("train", null), d.has("validation") ? d.string("validation", null) : null,
                d.integer("partitions", 2), text, augment);
        d.rejectUnknown();

        ConfigNode m = root.section("model");
        ModelSpec model = new ModelSpec(m.string("engine", null), m.plainMap("options"));
        m.rejectUnknown();

        ConfigNode t = root.section("training");
        ConfigNode a = t.section("averaging");
        ConfigNode outer = a.section("outer");
        OptimizerConfig outerConfig;
        try {
            outerConfig = new OptimizerConfig(outer.string("type", "sgd"), outer.number("learningRate", 1.0),
                    outer.number("momentum", 0.0), 0.9, 0.999, 1e-8, 0.0, ScheduleConfig.constant());
        } catch (IllegalArgumentException e) {
            // OptimizerConfig names its keys as the top-level optimizer's; these are the outer optimizer's.
            String message = e.getMessage().replaceFirst("^optimizer\\.", "training.averaging.outer.");
            throw new IllegalArgumentException(message, e);
        }
        outer.rejectUnknown();
        Averaging averaging = new Averaging(a.integer("localSteps", 1), outerConfig);
        a.rejectUnknown();
        ConfigNode w = t.section("communication");
        ConfigNode z = w.section("compression");
        DeltaCompression compression = new DeltaCompression(
                DeltaCompression.Kind.parse(z.string("type", "none"), "training.communication.compression.type"),
                z.integer("blockSize", DeltaCompression.DEFAULT_BLOCK_SIZE),
                z.number("fraction", DeltaCompression.DEFAULT_FRACTION));
        z.rejectUnknown();
        Communication communication = new Communication(WirePrecision.parse(w.string("precision", "fp32"),
                "training.communication.precision"), w.longValue("chunkBytes", Communication.DEFAULT_CHUNK_BYTES),
                compression);
        w.rejectUnknown();
        int globalBatch = t.integer("globalBatch", null);
        Training training = new Training(Mode.parse(t.string("mode", "sync"), "training.mode"), globalBatch,
                t.integer("microBatch", globalBatch), t.longValue("steps", 0L), t.integer("epochs", 0), averaging,
                communication);
        t.rejectUnknown();

        OptimizerConfig optimizer = optimizer(root.section("optimizer"));

        ConfigNode c = root.section("clipping");
        Clipping clipping = new Clipping(c.number("maxGradNorm", 0.0));
        c.rejectUnknown();

        ConfigNode k = root.section("checkpoint");
        Checkpointing checkpoint = new Checkpointing(k.string("dir", run.outputDir() + "/checkpoints"),
                k.longValue("everySteps", 0L), k.integer("everyEpochs", 1), k.integer("keepLast", 3));
        k.rejectUnknown();

        NonFinitePolicy onNonFinite = NonFinitePolicy.parse(root.string("onNonFinite", "fail"), "onNonFinite");
        ConfigNode n = root.section("nonFiniteSkips");
        SkipLimits skipLimits = new SkipLimits(n.integer("maxConsecutive", 5), n.longValue("maxTotal", 50L));
        n.rejectUnknown();

        ConfigNode l = root.section("logging");
        Logging logging = new Logging(l.longValue("everySteps", 10L),
                l.string("metricsFile", run.outputDir() + "/metrics.jsonl"),
                l.string("tensorboardDir", run.outputDir() + "/tensorboard"), l.number("peakFlops", 0.0));
        l.rejectUnknown();

        ConfigNode e = root.section("evaluation");
        Evaluation evaluation = new Evaluation(e.integer("everyEpochs", 1),
                Metric.parse(e.string("metric", "accuracy"), "evaluation.metric"), e.integer("patience", 0),
                e.stringList("labels"));
        e.rejectUnknown();
        if (evaluation.patience() > 0 && data.validation() == null) {
            throw new IllegalArgumentException("evaluation.patience needs data.validation (early stopping watches"
                    + " the validation set)");
        }

        ConfigNode x = root.section("export");
        Export export = new Export(x.has("dir") ? x.string("dir", null) : null);
        x.rejectUnknown();

        root.has(PrepareConfig.SECTION);  // the prepare job's section (PrepareConfig): one file can serve both jobs
        ConfigNode ev = root.section("evaluate");
        EvaluateSettings evaluate = new EvaluateSettings(ev.string("model", EvaluateSettings.CHECKPOINT),
                ev.has("data") ? ev.string("data", null) : null, ev.string("outputDir", run.outputDir() + "/evaluate"));
        ev.rejectUnknown();
        ConfigNode p = root.section("predict");
        PredictSettings predict = new PredictSettings(p.has("input") ? p.string("input", null) : null,
                p.string("format", "parquet"), p.has("textColumn") ? p.string("textColumn", null) : null,
                p.stringList("keyColumns"), p.has("output") ? p.string("output", null) : null,
                p.integer("batchSize", 32), p.string("model", EvaluateSettings.CHECKPOINT));
        p.rejectUnknown();

        root.rejectUnknown();
        return new TrainConfig(run, data, model, training, optimizer, clipping, checkpoint, onNonFinite, skipLimits,
                logging, evaluation, export, evaluate, predict);
    }

    /** {@code key: [min, max]}, or the defaults when absent. */
    private static double[] range(ConfigNode n, String key, double min, double max) {
        if (!n.has(key)) {
            return new double[] {min, max};
        }
        List<String> v = n.stringList(key);
        try {
            if (v.size() == 2) {
                return new double[] {Double.parseDouble(v.get(0)), Double.parseDouble(v.get(1))};
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("key '" + n.full(key) + "' must be [min, max], got " + v);
    }

    private static OptimizerConfig optimizer(ConfigNode o) {
        ConfigNode s = o.section("schedule");
        ScheduleConfig schedule = new ScheduleConfig(s.string("type", "constant"), s.longValue("warmupSteps", 0L),
                s.longValue("totalSteps", 0L), s.number("finalFraction", 0.0));
        s.rejectUnknown();
        OptimizerConfig config = new OptimizerConfig(o.string("type", "adamw"), o.number("learningRate", null),
                o.number("momentum", 0.0), o.number("beta1", 0.9), o.number("beta2", 0.999),
                o.number("epsilon", 1e-8), o.number("weightDecay", 0.0), schedule);
        List<ParameterGroup> groups = new ArrayList<>();
        for (ConfigNode g : o.sectionList("parameterGroups")) {
            String name = g.string("name", null);
            String parameters = g.string("parameters", null);
            double learningRate = g.number("learningRate", config.learningRate());
            long frozenSteps = g.longValue("frozenSteps", 0L);
            g.rejectUnknown();
            groups.add(new ParameterGroup(name, parameters, learningRate, frozenSteps));
        }
        o.rejectUnknown();
        return config.withParameterGroups(groups);
    }

    /** The canonical tree of a config: every key explicit, readable back by {@link #fromTree}. */
    public static ObjectNode toTree(TrainConfig c) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode run = root.putObject("run");
        run.put("name", c.run().name()).put("master", c.run().master()).put("seed", c.run().seed())
                .put("outputDir", c.run().outputDir());
        ObjectNode data = root.putObject("data");
        data.put("train", c.data().train());
        if (c.data().validation() != null) {
            data.put("validation", c.data().validation());
        }
        data.put("partitions", c.data().partitions());
        TextData text = c.data().text();
        if (text != null) {
            ObjectNode textNode = data.putObject("text").put("textColumn", text.textColumn())
                    .put("labelColumn", text.labelColumn()).put("maxLength", text.maxLength()).put("tokenizer", text.tokenizer());
            if (text.windows()) {
                textNode.put("windowStride", text.windowStride());
            }
        }
        ObjectNode model = root.putObject("model");
        model.put("engine", c.model().engine());
        model.set("options", JSON.valueToTree(c.model().options()));
        ObjectNode training = root.putObject("training");
        training.put("mode", c.training().mode().key()).put("globalBatch", c.training().globalBatch())
                .put("microBatch", c.training().microBatch());
        if (c.training().steps() > 0) {
            training.put("steps", c.training().steps());
        } else {
            training.put("epochs", c.training().epochs());
        }
        ObjectNode averaging = training.putObject("averaging");
        averaging.put("localSteps", c.training().averaging().localSteps());
        OptimizerConfig outer = c.training().averaging().outer();
        averaging.putObject("outer").put("type", outer.type()).put("learningRate", outer.learningRate())
                .put("momentum", outer.momentum());
        // bf16 and compression change the trajectory (the chunk size does not); only when set, so checkpoints written
        // before it existed still resume under the same config.
        Communication w = c.training().communication();
        if (w.precision() != WirePrecision.FP32 || w.compression().enabled()) {
            ObjectNode communication = training.putObject("communication");
            if (w.precision() != WirePrecision.FP32) {
                communication.put("precision", w.precision().key());
            }
            if (w.compression().enabled()) {
                DeltaCompression z = w.compression();
                ObjectNode compression = communication.putObject("compression").put("type", z.kind().key());
                if (z.kind() == DeltaCompression.Kind.INT8) {
                    compression.put("blockSize", z.blockSize());
                } else {
                    compression.put("fraction", z.fraction());
                }
            }
        }
        OptimizerConfig o = c.optimizer();
        ObjectNode opt = root.putObject("optimizer");
        opt.put("type", o.type()).put("learningRate", o.learningRate()).put("momentum", o.momentum())
                .put("beta1", o.beta1()).put("beta2", o.beta2()).put("epsilon", o.epsilon())
                .put("weightDecay", o.weightDecay());
        opt.putObject("schedule").put("type", o.schedule().type()).put("warmupSteps", o.schedule().warmupSteps())
                .put("totalSteps", o.schedule().totalSteps()).put("finalFraction", o.schedule().finalFraction());
        // Only when set, so a checkpoint written before groups existed still resumes under the same config.
        if (!o.parameterGroups().isEmpty()) {
            ArrayNode groups = opt.putArray("parameterGroups");
            for (ParameterGroup g : o.parameterGroups()) {
                groups.addObject().put("name", g.name()).put("parameters", g.parameters())
                        .put("learningRate", g.learningRate()).put("frozenSteps", g.frozenSteps());
            }
        }
        root.putObject("clipping").put("maxGradNorm", c.clipping().maxGradNorm());
        root.putObject("checkpoint").put("dir", c.checkpoint().dir()).put("everySteps", c.checkpoint().everySteps())
                .put("everyEpochs", c.checkpoint().everyEpochs()).put("keepLast", c.checkpoint().keepLast());
        root.put("onNonFinite", c.onNonFinite().key());
        root.putObject("nonFiniteSkips").put("maxConsecutive", c.nonFiniteSkips().maxConsecutive())
                .put("maxTotal", c.nonFiniteSkips().maxTotal());
        root.putObject("logging").put("everySteps", c.logging().everySteps())
                .put("metricsFile", c.logging().metricsFile()).put("tensorboardDir", c.logging().tensorboardDir())
                .put("peakFlops", c.logging().peakFlops());
        ObjectNode evaluation = root.putObject("evaluation");
        evaluation.put("everyEpochs", c.evaluation().everyEpochs()).put("metric", c.evaluation().metric().key())
                .put("patience", c.evaluation().patience());
        c.evaluation().labels().forEach(evaluation.putArray("labels")::add);
        if (c.export().enabled()) {
            root.putObject("export").put("dir", c.export().dir());
        }
        ObjectNode evaluate = root.putObject("evaluate").put("model", c.evaluate().model())
                .put("outputDir", c.evaluate().outputDir());
        if (c.evaluate().data() != null) {
            evaluate.put("data", c.evaluate().data());
        }
        PredictSettings p = c.predict();
        ObjectNode predict = root.putObject("predict").put("format", p.format()).put("batchSize", p.batchSize())
                .put("model", p.model());
        if (p.input() != null) {
            predict.put("input", p.input());
        }
        if (p.textColumn() != null) {
            predict.put("textColumn", p.textColumn());
        }
        if (p.output() != null) {
            predict.put("output", p.output());
        }
        p.keyColumns().forEach(predict.putArray("keyColumns")::add);
        return root;
    }

    private static void applyOverride(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("override '" + override + "' must look like key.path=value");
        }
        String key = override.substring(0, eq).trim();
        String[] parts = key.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(parts[i]);
            } else if (!child.isObject()) {
                throw new IllegalArgumentException("override '" + key + "': '"
                        + String.join(".", List.of(parts).subList(0, i + 1)) + "' is not a section");
            }
            node = (ObjectNode) child;
        }
        node.set(parts[parts.length - 1], scalar(override.substring(eq + 1).trim(), key));
    }

    private static JsonNode scalar(String text, String key) {
        if (text.isEmpty()) {
            return JSON.getNodeFactory().textNode("");
        }
        try {
            JsonNode v = YAML.readTree(text);
            return v == null ? JSON.getNodeFactory().nullNode() : v;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("override '" + key + "': cannot parse value '" + text + "'", e);
        }
    }

    /** Jackson names a repeated key in terms of its own features; say it in the user's terms. */
    private static String duplicateKeyMessage(String message) {
        Matcher m = DUPLICATE.matcher(message == null ? "" : message);
        return m.find() ? "key '" + m.group(1) + "' is given twice; keep one of them" : message;
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }
}

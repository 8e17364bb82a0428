package dev.sparkft.bert;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertConfigFile;
import dev.sparkft.hf.BertConfigJson;
import dev.sparkft.model.SpecOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The typed options of a BERT classifier: architecture, head, where the starting weights come from, frozen
 * name prefixes. Parsed strictly from a {@code ModelSpec}'s options. Engine-neutral: an engine builds the
 * model from them and {@link BertExport} writes a trained one.
 *
 * @param weights where the starting weights come from (option {@code weights}, default random)
 * @param config  the architecture; option {@code numLayers} N keeps the weights' first N encoder layers
 * @param freeze  parameter name prefixes (e.g. {@code bert.embeddings}) whose segments are not trained
 * @param precision what the executors compute in (option {@code precision}, default fp32)
 */
public record BertModelOptions(BertConfig config, BertHead head, BertWeightsSource weights, long seed,
        List<String> freeze, Precision precision) {

    /** config.json names and getters, to name the field where two configs differ. */
    private static final Map<String, Function<BertConfig, Object>> FIELDS = fields();

    public BertModelOptions {
        if (config == null || head == null || weights == null || precision == null) {
            throw new IllegalArgumentException("BertModelOptions needs a config, a head, a weights source and a precision");
        }
        freeze = List.copyOf(freeze);
    }

    /**
     * Parses the options. Without option {@code config} the architecture comes from the weights (config.json,
     * or inferred from an ONNX graph, which reads the graph); with both, they must agree.
     */
    public static BertModelOptions parse(Map<String, Object> options) {
        // config is a map or a path, which SpecOptions has no read for: it is taken out before the strict reads.
        Map<String, Object> rest = new LinkedHashMap<>(options);
        Object configValue = rest.remove("config");
        SpecOptions o = new SpecOptions("model.options.", rest);
        BertTask task = o.choice("task", null, BertTask.values(), BertTask::optionName);
        int numLabels = o.integer("numLabels", null);
        Pooling pooling = o.choice("pooling", Pooling.CLS, Pooling.values(), Pooling::optionName);
        BertWeightsSource weights = BertWeightsSource.parse(o.string("weights", BertWeightsSource.RANDOM));
        long seed = o.integer("seed", 0);
        List<String> freeze = o.list("freeze", List.of()).stream().map(String::valueOf).toList();
        Integer numLayers = rest.containsKey("numLayers") ? o.integer("numLayers", null) : null;
        Precision precision = o.choice("precision", Precision.FP32, Precision.values(), Precision::optionName);
        o.rejectUnknown();
        BertHead head = new BertHead(task, numLabels, pooling);
        BertConfig config = resolveConfig(configValue, weights, head);
        return new BertModelOptions(numLayers == null ? config : firstLayers(config, numLayers), head, weights, seed,
                freeze, precision);
    }

    /**
     * The architecture with only the first {@code n} encoder layers: a shallower, faster model that starts from
     * the same pretrained embeddings and lower layers (the flat vector picks tensors by name, so the upper
     * layers' weights are simply not read).
     */
    private static BertConfig firstLayers(BertConfig c, int n) {
        if (n < 1 || n > c.numLayers()) {
            throw new IllegalArgumentException("option 'model.options.numLayers' = " + n + " must be between 1 and"
                    + " the model's " + c.numLayers() + " layers (leave it out to keep them all)");
        }
        return new BertConfig(c.vocabSize(), c.hiddenSize(), n, c.numHeads(), c.intermediateSize(),
                c.maxPositions(), c.typeVocabSize(), c.layerNormEps(), c.hiddenAct());
    }

    private static BertConfig resolveConfig(Object configValue, BertWeightsSource weights, BertHead head) {
        Optional<BertConfigFile> fromWeights = weights.configFile();
        fromWeights.ifPresent(f -> {
            if (f.architecture().hasClassifier() && f.labels().size() != head.numLabels()) {
                throw new IllegalArgumentException(weights + " has a classifier for " + f.labels().size()
                        + " labels " + f.labels() + " but option 'model.options.numLabels' is " + head.numLabels()
                        + "; set numLabels to " + f.labels().size()
                        + ", or fine-tune a new head from the encoder without classifier.*");
            }
        });
        if (configValue == null) {
            return fromWeights.map(BertConfigFile::config).orElseThrow(() -> new IllegalArgumentException(
                    "missing option 'model.options.config' (a map of BERT config.json fields, or the path of a"
                            + " config.json): random weights need it"));
        }
        BertConfig given = config(configValue);
        fromWeights.ifPresent(f -> requireSame(given, f.config(), weights.toString()));
        return given;
    }

    /** Fails naming the first config.json field where {@code given} differs from the weights' config. */
    static void requireSame(BertConfig given, BertConfig fromWeights, String source) {
        for (Map.Entry<String, Function<BertConfig, Object>> f : FIELDS.entrySet()) {
            Object a = f.getValue().apply(given);
            Object b = f.getValue().apply(fromWeights);
            if (!a.equals(b)) {
                throw new IllegalArgumentException("option 'model.options.config' has " + f.getKey() + " = " + a
                        + " but " + source + " has " + f.getKey() + " = " + b
                        + "; drop option 'config' to take the weights' own");
            }
        }
    }

    /** The {@code config} option: an inline map of config.json fields, or the path of a config.json. */
    static BertConfig config(Object value) {
        if (value instanceof String path) {
            try {
                return BertConfigJson.read(Path.of(path)).config();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read BERT config " + path, e);
            }
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("option 'model.options.config' must be a map of BERT config fields"
                    + " (vocab_size, hidden_size, ...) or the path of a config.json, got " + value);
        }
        @SuppressWarnings("unchecked")
        SpecOptions c = new SpecOptions("model.options.config.", (Map<String, Object>) map);
        BertConfig config = new BertConfig(
                c.integer("vocab_size", null),
                c.integer("hidden_size", null),
                c.integer("num_hidden_layers", null),
                c.integer("num_attention_heads", null),
                c.integer("intermediate_size", null),
                c.integer("max_position_embeddings", 512),
                c.integer("type_vocab_size", 2),
                c.number("layer_norm_eps", 1e-12),
                c.string("hidden_act", "gelu"));
        c.rejectUnknown();
        return config;
    }

    private static Map<String, Function<BertConfig, Object>> fields() {
        Map<String, Function<BertConfig, Object>> m = new LinkedHashMap<>();
        m.put("vocab_size", BertConfig::vocabSize);
        m.put("hidden_size", BertConfig::hiddenSize);
        m.put("num_hidden_layers", BertConfig::numLayers);
        m.put("num_attention_heads", BertConfig::numHeads);
        m.put("intermediate_size", BertConfig::intermediateSize);
        m.put("max_position_embeddings", BertConfig::maxPositions);
        m.put("type_vocab_size", BertConfig::typeVocabSize);
        m.put("layer_norm_eps", BertConfig::layerNormEps);
        m.put("hidden_act", BertConfig::hiddenAct);
        return m;
    }
}

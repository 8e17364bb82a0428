package dev.sparkft.bert;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertConfigFile;
import dev.sparkft.hf.BertConfigJson;
import dev.sparkft.model.EngineArchitecture;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.SpecOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The path-free architecture of a BERT classifier, what executors build from: encoder config, head, seed,
 * frozen name prefixes, precision. {@link #resolve} parses it strictly from a {@code ModelSpec}'s options on the
 * driver, together with where the starting weights come from. Engine-neutral: an engine builds the model from
 * it and {@link BertExport} writes a trained one.
 *
 * @param config  the encoder; option {@code numLayers} N keeps the weights' first N encoder layers
 * @param seed    seeds random weights and a new classifier head
 * @param freeze  parameter name prefixes (e.g. {@code bert.embeddings}) whose segments are not trained
 * @param precision what the executors compute in (option {@code precision}, default fp32)
 * @param lora    LoRA adapters (option {@code lora}), or null to fine-tune every parameter
 */
public record BertModelOptions(BertConfig config, BertHead head, long seed, List<String> freeze,
        Precision precision, LoraOptions lora) implements EngineArchitecture {

    /** {@link BertFlops#training} at the length of the token column ({@code input_ids}); NaN without one. */
    @Override
    public double trainingFlopsPerExample(Map<String, Integer> columnLengths) {
        Integer tokens = columnLengths.get("input_ids");
        return tokens == null || tokens < 1 ? Double.NaN : BertFlops.training(this, tokens);
    }

    /** config.json names and getters, to name the field where two configs differ. */
    private static final Map<String, Function<BertConfig, Object>> FIELDS = fields();

    public BertModelOptions {
        if (config == null || head == null || precision == null) {
            throw new IllegalArgumentException("BertModelOptions needs a config, a head and a precision");
        }
        freeze = List.copyOf(freeze);
    }

    /** The architecture and where its starting weights come from, as the driver resolved them. */
    public static final class Resolved {
        private final BertModelOptions architecture;
        private final BertWeightsSource weights;
        private final float[] frozen;
        /** With LoRA the weights are read once for both vectors, and kept until the starting vector is taken. */
        private HuggingFaceBert loaded;

        Resolved(BertModelOptions architecture, BertWeightsSource weights) {
            this.architecture = architecture;
            this.weights = weights;
            if (architecture.lora() != null) {
                loaded = weights.load(architecture.config(), architecture.seed());
                frozen = BertFlatVector.flatten(architecture.frozenLayout(), loaded, architecture.seed());
            } else {
                frozen = null;
            }
        }

        public BertModelOptions architecture() {
            return architecture;
        }

        public BertWeightsSource weights() {
            return weights;
        }

        /**
         * A LoRA model's frozen encoder weights, flat in {@link BertModelOptions#frozenLayout()}; null without LoRA.
         */
        public float[] frozenParameters() {
            return frozen;
        }

        /** Reads the starting weights as the flat vector of the architecture's layout (a fresh array). */
        public float[] initialParameters() {
            HuggingFaceBert model = loaded != null ? loaded : weights.load(architecture.config(), architecture.seed());
            loaded = null;
            return BertFlatVector.flatten(architecture.layout(), model, architecture.seed());
        }
    }

    /**
     * Parses the options on the driver, reading the files they name through {@code files}. Without option
     * {@code config} the architecture comes from the weights (config.json, whose shapes are checked against
     * model.safetensors' header, or inferred from an ONNX graph, which reads the graph once); with both, they
     * must agree.
     */
    public static Resolved resolve(Map<String, Object> options, ModelFiles files) {
        // config is a map or a path, which SpecOptions has no read for: it is taken out before the strict reads.
        Map<String, Object> rest = new LinkedHashMap<>(options);
        Object configValue = rest.remove("config");
        SpecOptions o = new SpecOptions("model.options.", rest);
        BertTask task = o.choice("task", null, BertTask.values(), BertTask::optionName);
        int numLabels = o.integer("numLabels", null);
        Pooling pooling = o.choice("pooling", Pooling.CLS, Pooling.values(), Pooling::optionName);
        BertWeightsSource weights = BertWeightsSource.parse(o.string("weights", BertWeightsSource.RANDOM), files);
        long seed = o.integer("seed", 0);
        List<String> freeze = o.list("freeze", List.of()).stream().map(String::valueOf).toList();
        Integer numLayers = rest.containsKey("numLayers") ? o.integer("numLayers", null) : null;
        Precision precision = o.choice("precision", Precision.FP32, Precision.values(), Precision::optionName);
        Map<String, Object> loraOptions = o.map("lora");
        LoraOptions lora = loraOptions == null ? null : lora(loraOptions);
        o.rejectUnknown();
        if (lora != null && !freeze.isEmpty()) {
            throw new IllegalArgumentException("options 'model.options.freeze' and 'model.options.lora' together:"
                    + " LoRA already keeps every encoder weight frozen and trains the adapters and the head; drop"
                    + " freeze");
        }
        BertHead head = new BertHead(task, numLabels, pooling);
        BertConfig config = resolveConfig(configValue, weights, head, files);
        BertModelOptions architecture = new BertModelOptions(numLayers == null ? config : firstLayers(config,
                numLayers), head, seed, freeze, precision, lora);
        architecture.layout(); // a freeze prefix that matches nothing fails here, on the driver
        return new Resolved(architecture, weights);
    }

    /**
     * The flat vector's layout: with LoRA the adapters and the head ({@link LoraOptions#layout}); without, every
     * parameter, the segments under a {@link #freeze} prefix marked not trainable.
     */
    public ParameterLayout layout() {
        if (lora != null) {
            return lora.layout(config, head);
        }
        ParameterLayout layout = BertParameterNames.layout(config, head);
        for (String p : freeze) {
            if (layout.segments().stream().noneMatch(s -> s.name().startsWith(p))) {
                throw new IllegalArgumentException("option 'model.options.freeze' prefix '" + p
                        + "' matches no parameter (names look like bert.embeddings.word_embeddings.weight,"
                        + " bert.encoder.layer.0.attention.self.query.weight, classifier.weight)");
            }
        }
        return layout.freeze(name -> freeze.stream().anyMatch(name::startsWith));
    }

    /**
     * The weights a LoRA model computes with but does not train: every parameter but the classifier head, all
     * frozen. Empty without LoRA.
     */
    public ParameterLayout frozenLayout() {
        if (lora == null) {
            return ParameterLayout.builder().build();
        }
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (ParameterSegment s : BertParameterNames.layout(config, head).segments()) {
            if (!s.name().startsWith("classifier.")) {
                b.add(s.name(), s.shape(), s.decay());
            }
        }
        return b.build().freeze(name -> true);
    }

    /** Option {@code lora}: rank (8), alpha (8), dropout (0 only), targets ([query, value]): PEFT's defaults. */
    private static LoraOptions lora(Map<String, Object> map) {
        SpecOptions o = new SpecOptions("model.options.lora.", map);
        LoraOptions d = LoraOptions.defaults();
        int rank = o.integer("rank", d.rank());
        double alpha = o.number("alpha", d.alpha());
        double dropout = o.number("dropout", 0.0);
        List<String> targets = o.list("targets", List.of("query", "value")).stream().map(String::valueOf).toList();
        o.rejectUnknown();
        if (dropout != 0) {
            throw new IllegalArgumentException("option 'model.options.lora.dropout' = " + dropout + ": the engine"
                    + " trains without dropout (deterministic, bit-identical gradients on recomputation); set it to 0"
                    + " (PEFT's default)");
        }
        return new LoraOptions(rank, alpha, targets);
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

    private static BertConfig resolveConfig(Object configValue, BertWeightsSource weights, BertHead head,
            ModelFiles files) {
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
        BertConfig given = config(configValue, files);
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
    static BertConfig config(Object value, ModelFiles files) {
        if (value instanceof String location) {
            try {
                return BertConfigJson.read(files.local("model.options.config", location)).config();
            } catch (IOException e) {
                throw new UncheckedIOException("option 'model.options.config': cannot read BERT config " + location
                        + ": " + e.getMessage(), e);
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

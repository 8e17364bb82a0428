package dev.sparkft.engine.djl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.SpecOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The typed options of a {@code djl-pytorch} BERT model: architecture, head, where the starting weights come
 * from, frozen name prefixes and dtype. Parsed strictly from a {@code ModelSpec}'s options.
 *
 * @param weights "random" (seeded HF-style initialisation); pretrained sources plug in at {@link DjlEngine}
 * @param freeze  parameter name prefixes (e.g. {@code bert.embeddings}) whose segments are not trained
 */
public record BertModelOptions(BertConfig config, BertHead head, String weights, long seed, List<String> freeze) {

    public static final String RANDOM_WEIGHTS = "random";

    public BertModelOptions {
        if (config == null || head == null) {
            throw new IllegalArgumentException("BertModelOptions needs a config and a head");
        }
        freeze = List.copyOf(freeze);
    }

    public static BertModelOptions parse(Map<String, Object> options) {
        // config is a map or a path, which SpecOptions has no read for: it is taken out before the strict reads.
        Map<String, Object> rest = new LinkedHashMap<>(options);
        if (!rest.containsKey("config")) {
            throw new IllegalArgumentException("missing required option 'model.options.config'"
                    + " (a map of BERT config.json fields, or the path of a config.json)");
        }
        Object configValue = rest.remove("config");
        SpecOptions o = new SpecOptions("model.options.", rest);
        BertTask task = BertTask.parse(o.string("task", null));
        int numLabels = o.integer("numLabels", null);
        Pooling pooling = Pooling.parse(o.string("pooling", "cls"));
        BertConfig config = config(configValue);
        String weights = o.string("weights", RANDOM_WEIGHTS);
        if (!weights.equals(RANDOM_WEIGHTS)) {
            throw new IllegalArgumentException("option 'model.options.weights' = '" + weights
                    + "' is not supported yet; use 'random' (pretrained ONNX / HF folder loading comes next)");
        }
        long seed = o.integer("seed", 0);
        List<String> freeze = o.list("freeze", List.of()).stream().map(String::valueOf).toList();
        String dtype = o.string("dtype", "fp32");
        if (!dtype.equals("fp32")) {
            throw new IllegalArgumentException("option 'model.options.dtype' = '" + dtype
                    + "' is not supported: DJL 0.35.1 cannot make bf16 tensors; use fp32");
        }
        o.rejectUnknown();
        return new BertModelOptions(config, new BertHead(task, numLabels, pooling), weights, seed, freeze);
    }

    /** The {@code config} option: an inline map of config.json fields, or the path of a config.json. */
    static BertConfig config(Object value) {
        if (value instanceof String path) {
            return fromConfigJson(Path.of(path));
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("option 'model.options.config' must be a map of BERT config fields"
                    + " (vocab_size, hidden_size, ...) or the path of a config.json, got " + value);
        }
        @SuppressWarnings("unchecked")
        SpecOptions c = new SpecOptions("model.options.config.", (Map<String, Object>) map);
        BertConfig config = fields(c);
        c.rejectUnknown();
        return config;
    }

    private static BertConfig fromConfigJson(Path path) {
        Map<String, Object> json;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = new ObjectMapper().readValue(Files.readAllBytes(path), Map.class);
            json = read;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read BERT config " + path + ": " + e.getMessage(), e);
        }
        try {
            // A config.json carries many fields that do not shape the encoder; only the known ones are read.
            return fields(new SpecOptions("", json));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    private static BertConfig fields(SpecOptions c) {
        return new BertConfig(
                c.integer("vocab_size", null),
                c.integer("hidden_size", null),
                c.integer("num_hidden_layers", null),
                c.integer("num_attention_heads", null),
                c.integer("intermediate_size", null),
                c.integer("max_position_embeddings", 512),
                c.integer("type_vocab_size", 2),
                c.number("layer_norm_eps", 1e-12),
                c.string("hidden_act", "gelu"));
    }
}

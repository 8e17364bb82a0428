package dev.sparkft.hf;

import dev.sparkft.model.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face {@code BertModel} (embeddings, encoder layers, pooler), keyed by its
 * parameter names without the {@code bert.} prefix, Linear weights in PyTorch's [out, in] layout.
 * The constructor checks that every expected key is present with the shape {@code config} implies and that
 * nothing else is; the map is kept in the canonical order of {@link #expectedShapes(BertConfig)}. The pooler
 * may be absent (both its tensors): {@code BertModel(add_pooling_layer=False)}, as inside
 * {@code BertForTokenClassification}, has none.
 */
public record BertWeights(BertConfig config, Map<String, Tensor> tensors) {
    public static final String POOLER_WEIGHT = "pooler.dense.weight";
    public static final String POOLER_BIAS = "pooler.dense.bias";

    public BertWeights {
        Map<String, long[]> expected = expectedShapes(config);
        List<String> problems = new ArrayList<>();
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null && isPooler(e.getKey()) && !tensors.containsKey(POOLER_WEIGHT)
                    && !tensors.containsKey(POOLER_BIAS)) {
                continue;
            }
            if (t == null) {
                problems.add("missing '" + e.getKey() + "'");
            } else if (!t.isFloat() || !Arrays.equals(t.shape(), e.getValue())) {
                problems.add("'" + e.getKey() + "' is " + t + ", expected float" + Arrays.toString(e.getValue()));
            } else {
                ordered.put(e.getKey(), t);
            }
        }
        for (String key : tensors.keySet()) {
            if (!expected.containsKey(key)) {
                problems.add("unexpected '" + key + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("BERT weights do not match " + config + ": "
                    + (problems.size() > 12 ? problems.subList(0, 12) + " and " + (problems.size() - 12) + " more"
                    : problems));
        }
        tensors = Collections.unmodifiableMap(ordered);
    }

    /** Every key of a BertModel with this config and its shape, in the order the model declares them. */
    public static Map<String, long[]> expectedShapes(BertConfig c) {
        long h = c.hiddenSize();
        long f = c.intermediateSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("embeddings.word_embeddings.weight", new long[] {c.vocabSize(), h});
        s.put("embeddings.position_embeddings.weight", new long[] {c.maxPositions(), h});
        s.put("embeddings.token_type_embeddings.weight", new long[] {c.typeVocabSize(), h});
        s.put("embeddings.LayerNorm.weight", new long[] {h});
        s.put("embeddings.LayerNorm.bias", new long[] {h});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "encoder.layer." + i + ".";
            for (String proj : List.of("query", "key", "value")) {
                s.put(p + "attention.self." + proj + ".weight", new long[] {h, h});
                s.put(p + "attention.self." + proj + ".bias", new long[] {h});
            }
            s.put(p + "attention.output.dense.weight", new long[] {h, h});
            s.put(p + "attention.output.dense.bias", new long[] {h});
            s.put(p + "attention.output.LayerNorm.weight", new long[] {h});
            s.put(p + "attention.output.LayerNorm.bias", new long[] {h});
            s.put(p + "intermediate.dense.weight", new long[] {f, h});
            s.put(p + "intermediate.dense.bias", new long[] {f});
            s.put(p + "output.dense.weight", new long[] {h, f});
            s.put(p + "output.dense.bias", new long[] {h});
            s.put(p + "output.LayerNorm.weight", new long[] {h});
            s.put(p + "output.LayerNorm.bias", new long[] {h});
        }
        s.put(POOLER_WEIGHT, new long[] {h, h});
        s.put(POOLER_BIAS, new long[] {h});
        return s;
    }

    public boolean hasPooler() {
        return tensors.containsKey(POOLER_WEIGHT);
    }

    private static boolean isPooler(String key) {
        return key.equals(POOLER_WEIGHT) || key.equals(POOLER_BIAS);
    }

    /** Number of parameters a BertModel with this config has (pooler included). */
    public static long parameterCount(BertConfig config) {
        long n = 0;
        for (long[] shape : expectedShapes(config).values()) {
            n += Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
        return n;
    }

    /** Number of floats held: {@link #parameterCount(BertConfig)}, less the pooler's when it is absent. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(t -> t.floats().length).sum();
    }
}

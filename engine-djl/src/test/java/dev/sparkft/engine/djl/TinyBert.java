package dev.sparkft.engine.djl;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny BERT configs, specs and seeded random batches (with padding) for the engine's tests. */
final class TinyBert {
    static final BertConfig CONFIG = new BertConfig(30, 8, 2, 2, 16, 16, 2, 1e-12, "gelu");

    private TinyBert() {
    }

    static Map<String, Object> configMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", CONFIG.vocabSize());
        m.put("hidden_size", CONFIG.hiddenSize());
        m.put("num_hidden_layers", CONFIG.numLayers());
        m.put("num_attention_heads", CONFIG.numHeads());
        m.put("intermediate_size", CONFIG.intermediateSize());
        m.put("max_position_embeddings", CONFIG.maxPositions());
        m.put("type_vocab_size", CONFIG.typeVocabSize());
        m.put("layer_norm_eps", CONFIG.layerNormEps());
        return m;
    }

    static ModelSpec spec(String task, String pooling, List<String> freeze) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", task);
        o.put("numLabels", 3);
        o.put("pooling", pooling);
        o.put("config", configMap());
        o.put("weights", "random");
        o.put("seed", 7);
        o.put("freeze", freeze);
        return new ModelSpec("djl-pytorch", o);
    }

    /**
     * n examples of length seq; example i has {@code seq - i % 3} real tokens then padding (mask 0), a second
     * segment from the middle, a sequence label and per-token labels (-100 on padding and on every 4th token).
     */
    static Batch batch(int n, int seq, int numLabels, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[n * seq];
        int[] mask = new int[n * seq];
        int[] types = new int[n * seq];
        int[] label = new int[n];
        int[] labels = new int[n * seq];
        for (int i = 0; i < n; i++) {
            int real = Math.max(1, seq - i % 3);
            label[i] = r.nextInt(numLabels);
            for (int t = 0; t < seq; t++) {
                int k = i * seq + t;
                boolean on = t < real;
                ids[k] = on ? 1 + r.nextInt(CONFIG.vocabSize() - 1) : 0;
                mask[k] = on ? 1 : 0;
                types[k] = on && t >= real / 2 ? 1 : 0;
                labels[k] = on && t % 4 != 3 ? r.nextInt(numLabels) : BertClassifier.IGNORED_LABEL;
            }
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put(BatchArrays.INPUT_IDS, Tensor.ofInts(ids, n, seq));
        m.put(BatchArrays.ATTENTION_MASK, Tensor.ofInts(mask, n, seq));
        m.put(BatchArrays.TOKEN_TYPE_IDS, Tensor.ofInts(types, n, seq));
        m.put("label", Tensor.ofInts(label, n));
        m.put("labels", Tensor.ofInts(labels, n, seq));
        return new Batch(m);
    }

    /** Rows [from, to) of every column. */
    static Batch rows(Batch b, int from, int to) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : b.tensors().entrySet()) {
            Tensor t = e.getValue();
            int perRow = t.ints().length / t.rows();
            int[] part = java.util.Arrays.copyOfRange(t.ints(), from * perRow, to * perRow);
            long[] shape = t.shape().clone();
            shape[0] = to - from;
            m.put(e.getKey(), Tensor.ofInts(part, shape));
        }
        return new Batch(m);
    }
}

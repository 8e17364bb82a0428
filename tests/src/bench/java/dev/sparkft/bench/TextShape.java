package dev.sparkft.bench;

import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A BERT shape of the text benchmark: sequence classification with 2 labels, random weights (seed 0), vocabulary
 * 30,522, the same on both sides (SparkFT's DJL engine, transformers' BertForSequenceClassification).
 */
record TextShape(String name, int layers, int hidden, int heads, int ffn) {
    static final int VOCAB = 30522;
    static final int SEQ = 128;
    static final TextShape BERT_MINI = new TextShape("mini", 4, 256, 4, 1024);
    static final TextShape MINILM = new TextShape("minilm", 6, 384, 12, 1536);

    static TextShape of(String name) {
        return List.of(BERT_MINI, MINILM).stream().filter(s -> s.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown shape '" + name + "' (mini, minilm)"));
    }

    String label() {
        return String.format("%s (L%d H%d A%d FFN%d)", name.equals("mini") ? "BERT-mini" : "MiniLM-L6", layers, hidden,
                heads, ffn);
    }

    /** The engine's options, as a run config's {@code model.options}, in fp32. */
    Map<String, Object> options() {
        return options("fp32");
    }

    /** The engine's options with {@code precision} (fp32 or bf16). */
    Map<String, Object> options(String precision) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("vocab_size", VOCAB);
        config.put("hidden_size", hidden);
        config.put("num_hidden_layers", layers);
        config.put("num_attention_heads", heads);
        config.put("intermediate_size", ffn);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", "sequence-classification");
        o.put("numLabels", 2);
        o.put("config", config);
        o.put("precision", precision);
        return o;
    }

    ModelSpec spec() {
        return spec("fp32");
    }

    ModelSpec spec(String precision) {
        return new ModelSpec("djl-pytorch", options(precision));
    }

    /**
     * The reference script's arguments for this shape (no dropout: the DJL engine has none); bf16 is PyTorch's
     * bf16 autocast.
     */
    List<String> torchArgs(int batch, int threads, int warmup, int steps, String precision) {
        return List.of("--layers", "" + layers, "--hidden", "" + hidden, "--heads", "" + heads, "--ffn", "" + ffn,
                "--batch", "" + batch, "--seq", "" + SEQ, "--threads", "" + threads, "--dtype", precision,
                "--dropout", "0", "--warmup", "" + warmup, "--steps", "" + steps);
    }

    /** Random full-length sequences (ids from 1,000 up, as the reference script draws them) and labels. */
    static Batch randomBatch(int n, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[n * SEQ];
        int[] ones = new int[n * SEQ];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + r.nextInt(VOCAB - 1000);
            ones[i] = 1;
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(2);
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", Tensor.ofInts(ids, n, SEQ));
        m.put("attention_mask", Tensor.ofInts(ones, n, SEQ));
        m.put("token_type_ids", Tensor.ofInts(new int[n * SEQ], n, SEQ));
        m.put("label", Tensor.ofInts(labels, n));
        return new Batch(m);
    }
}

package dev.sparkft.engine.djl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.sparkft.model.Batch;
import dev.sparkft.model.Tensor;
import dev.sparkft.onnx.BundledMiniLm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Real sentences tokenised offline with the bundled MiniLM tokenizer.json (DJL's HuggingFaceTokenizer). */
final class MiniLmText {
    /** Single sentences of different lengths (so the batch pads) and one sentence pair. */
    static final List<String[]> TEXTS = List.of(
            new String[] {"The quick brown fox jumps over the lazy dog."},
            new String[] {"Spark executors compute gradients on shards of the data."},
            new String[] {"Hello!"},
            new String[] {"How do I fine-tune a model on a cluster?",
                "Executors compute gradients and the driver updates the weights."});

    private MiniLmText() {
    }

    /** Copies the bundled tokenizer.json into {@code dir}. */
    static Path tokenizerJson(Path dir) throws IOException {
        Path json = dir.resolve("tokenizer.json");
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            Files.copy(in, json);
        }
        return json;
    }

    /** Token ids, attention mask and token types [3][n][seq], padded with id 0 / mask 0 to the longest text. */
    static long[][][] tokenise(Path tokenizerJson, List<String[]> texts) throws IOException {
        Encoding[] encodings = new Encoding[texts.size()];
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson)) {
            for (int i = 0; i < encodings.length; i++) {
                String[] text = texts.get(i);
                encodings[i] = text.length == 1 ? tokenizer.encode(text[0]) : tokenizer.encode(text[0], text[1]);
            }
        }
        int seq = 0;
        for (Encoding e : encodings) {
            seq = Math.max(seq, (int) Arrays.stream(e.getAttentionMask()).sum());
        }
        long[][][] out = new long[3][encodings.length][seq];
        for (int i = 0; i < encodings.length; i++) {
            long[] mask = encodings[i].getAttentionMask();
            for (int t = 0; t < seq && t < mask.length && mask[t] == 1; t++) {
                out[0][i][t] = encodings[i].getIds()[t];
                out[1][i][t] = 1;
                out[2][i][t] = encodings[i].getTypeIds()[t];
            }
        }
        return out;
    }

    /** The input columns of a batch; {@code extra} adds label columns. */
    static Batch batch(long[][][] inputs, Map<String, Tensor> extra) {
        int n = inputs[0].length;
        int seq = inputs[0][0].length;
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int c = 0; c < 3; c++) {
            int[] v = new int[n * seq];
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < seq; t++) {
                    v[i * seq + t] = Math.toIntExact(inputs[c][i][t]);
                }
            }
            m.put(BatchArrays.INPUT_COLUMNS.get(c), Tensor.ofInts(v, n, seq));
        }
        m.putAll(extra);
        return new Batch(m);
    }
}

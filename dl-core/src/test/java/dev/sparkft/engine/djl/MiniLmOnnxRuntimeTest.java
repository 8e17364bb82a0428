package dev.sparkft.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sparkft.bert.BertWeightsSource;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import dev.sparkft.onnx.BundledMiniLm;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pretrained all-MiniLM-L6-v2 loaded from the bundled jar ({@code weights: bundled:all-minilm-l6-v2}, config
 * inferred from the graph) gives the same last hidden state on our encoder as ONNX Runtime on the same ONNX
 * file: real sentences tokenised offline with the bundled tokenizer.json, padded in one batch, plus a pair.
 */
class MiniLmOnnxRuntimeTest {
    private static final double TOLERANCE = 1e-4;
    private static final List<String[]> TEXTS = List.of(
            new String[] {"The quick brown fox jumps over the lazy dog."},
            new String[] {"Spark executors compute gradients on shards of the data."},
            new String[] {"Hello!"},
            new String[] {"How do I fine-tune a model on a cluster?",
                "Executors compute gradients and the driver updates the weights."});

    @Test
    void lastHiddenStateMatchesOnnxRuntime(@TempDir Path dir) throws Exception {
        long[][][] inputs = tokenise(dir); // ids, mask, types: [n][seq]
        float[][][] expected = onnxRuntime(inputs);

        Map<String, Object> options = new LinkedHashMap<>();
        options.put("task", "token-classification");
        options.put("numLabels", 2);
        options.put("weights", BertWeightsSource.BUNDLED_MINILM);
        float[] hidden;
        long[] shape;
        try (DjlBertModel model = (DjlBertModel) ModelEngines.create(new ModelSpec(DjlEngine.NAME, options))) {
            model.setParameters(model.initialParameters());
            Tensor t = model.encode(batch(inputs));
            hidden = t.floats();
            shape = t.shape();
        }
        int n = inputs[0].length;
        int seq = inputs[0][0].length;
        assertEquals(List.of((long) n, (long) seq, 384L), List.of(shape[0], shape[1], shape[2]));
        double realDiff = 0;
        double padDiff = 0;
        double largest = 0;
        int padded = 0;
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < seq; t++) {
                boolean real = inputs[1][i][t] == 1;
                padded += real ? 0 : 1;
                for (int k = 0; k < 384; k++) {
                    double d = Math.abs(hidden[(i * seq + t) * 384 + k] - expected[i][t][k]);
                    if (real) {
                        realDiff = Math.max(realDiff, d);
                        largest = Math.max(largest, Math.abs(expected[i][t][k]));
                    } else {
                        padDiff = Math.max(padDiff, d);
                    }
                }
            }
        }
        System.out.printf("MiniLM %dx%d (%d padded positions): max |ours - onnxruntime| = %.3e on tokens,"
                + " %.3e on padding (max |h| %.2f)%n", n, seq, padded, realDiff, padDiff, largest);
        assertTrue(padded > 0, "the batch must contain padding");
        assertTrue(largest > 1, "non-trivial outputs");
        assertTrue(realDiff <= TOLERANCE, "tokens differ by " + realDiff);
        assertTrue(padDiff <= TOLERANCE, "padded positions differ by " + padDiff);
    }

    /** Token ids, attention mask and token types, padded with id 0 / mask 0 to the longest text. */
    private static long[][][] tokenise(Path dir) throws Exception {
        Path json = dir.resolve("tokenizer.json");
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            Files.copy(in, json);
        }
        Encoding[] encodings = new Encoding[TEXTS.size()];
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(json)) {
            for (int i = 0; i < encodings.length; i++) {
                String[] text = TEXTS.get(i);
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

    private static float[][][] onnxRuntime(long[][][] inputs) throws Exception {
        byte[] onnx;
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.ONNX_RESOURCE)) {
            onnx = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment(); // a process-wide singleton: not closed
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor ids = OnnxTensor.createTensor(env, inputs[0]);
             OnnxTensor mask = OnnxTensor.createTensor(env, inputs[1]);
             OnnxTensor types = OnnxTensor.createTensor(env, inputs[2]);
             OrtSession.Result result = session.run(Map.of("input_ids", ids, "attention_mask", mask,
                     "token_type_ids", types))) {
            return (float[][][]) result.get(0).getValue();
        }
    }

    private static Batch batch(long[][][] inputs) {
        int n = inputs[0].length;
        int seq = inputs[0][0].length;
        Map<String, Tensor> m = new LinkedHashMap<>();
        List<String> columns = BatchArrays.INPUT_COLUMNS;
        for (int c = 0; c < 3; c++) {
            int[] v = new int[n * seq];
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < seq; t++) {
                    v[i * seq + t] = Math.toIntExact(inputs[c][i][t]);
                }
            }
            m.put(columns.get(c), Tensor.ofInts(v, n, seq));
        }
        return new Batch(m);
    }
}

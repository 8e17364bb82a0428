package dev.sparkft.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sparkft.bert.BertWeightsSource;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.model.ResolvedModel;
import java.io.InputStream;
import java.nio.file.Path;
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
    @Test
    void lastHiddenStateMatchesOnnxRuntime(@TempDir Path dir) throws Exception {
        // ids, mask, types: [n][seq]
        long[][][] inputs = MiniLmText.tokenise(MiniLmText.tokenizerJson(dir), MiniLmText.TEXTS);
        float[][][] expected = onnxRuntime(inputs);

        Map<String, Object> options = new LinkedHashMap<>();
        options.put("task", "token-classification");
        options.put("numLabels", 2);
        options.put("weights", BertWeightsSource.BUNDLED_MINILM);
        float[] hidden;
        long[] shape;
        ResolvedModel resolved = ModelEngines.resolve(new ModelSpec(DjlEngine.NAME, options));
        try (DjlBertModel model = (DjlBertModel) ModelEngines.create(resolved.architecture())) {
            model.setParameters(resolved.initialParameters());
            Tensor t = model.encode(MiniLmText.batch(inputs, Map.of()));
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
}

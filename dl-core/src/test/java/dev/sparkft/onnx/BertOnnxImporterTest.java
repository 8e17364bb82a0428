package dev.sparkft.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.model.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Import of the real all-MiniLM-L6-v2 ONNX graph from the langchain4j jar (test classpath). */
class BertOnnxImporterTest {

    private static byte[] onnxBytes;
    private static OnnxModel onnx;
    private static BertWeights weights;

    @BeforeAll
    static void importMiniLm() throws IOException {
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.ONNX_RESOURCE)) {
            onnxBytes = in.readAllBytes();
        }
        onnx = OnnxModelReader.parse(ByteBuffer.wrap(onnxBytes), BundledMiniLm.ONNX_RESOURCE);
        weights = BertOnnxImporter.importWeights(onnx, BundledMiniLm.ONNX_RESOURCE);
    }

    @Test
    void infersTheArchitectureAndFindsEveryKey() {
        assertEquals(14, onnx.opsetVersion());
        assertEquals(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, "gelu"), weights.config());
        // 5 embedding tensors + 16 per layer + 2 pooler; BertWeights checked names and shapes.
        assertEquals(5 + 16 * 6 + 2, weights.tensors().size());
        assertEquals(22_713_216L, weights.parameterCount());
        assertEquals(BertWeights.parameterCount(weights.config()), weights.parameterCount());
    }

    @Test
    void matMulWeightsAreTheTransposeOfTheirInitializers() {
        // Located by the exporter's node name, independently of the importer's bias/order mapping.
        for (String module : new String[] {"attention/self/query", "attention/self/key", "attention/self/value",
                "attention/output/dense", "intermediate/dense", "output/dense"}) {
            for (int layer : new int[] {0, 3, 5}) {
                String nodeName = "/encoder/layer." + layer + "/" + module + "/MatMul";
                OnnxNode node = onnx.graph().nodes().stream().filter(n -> n.name().equals(nodeName)).findFirst()
                        .orElseThrow();
                OnnxTensor initializer = onnx.graph().initializers().get(node.inputs().get(1));
                assertTrue(initializer.name().startsWith("onnx::MatMul_"), initializer.name());
                Tensor imported = weights.tensors().get("encoder.layer." + layer + "." + module.replace('/', '.') + ".weight");
                long[] dims = initializer.dims();
                assertArrayEquals(new long[] {dims[1], dims[0]}, imported.shape(), nodeName);
                float[] in = initializer.floats();
                float[] out = imported.floats();
                int rows = (int) dims[0];
                int cols = (int) dims[1];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        if (in[r * cols + c] != out[c * rows + r]) {
                            throw new AssertionError(nodeName + " [" + r + "," + c + "]");
                        }
                    }
                }
            }
        }
        // Gemm with transB=1 already holds [out, in]: copied as is.
        assertArrayEquals(onnx.graph().initializers().get("pooler.dense.weight").floats(),
                weights.tensors().get("pooler.dense.weight").floats());
    }

    @Test
    void headCountGivenAgainstTheGraphIsChecked() {
        assertEquals(weights.config(), BertOnnxImporter.importWeights(onnx, "minilm", 12).config());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BertOnnxImporter.importWeights(onnx, "minilm", 6));
        assertTrue(e.getMessage().contains("minilm") && e.getMessage().contains("12 heads"), e.getMessage());
    }

    @Test
    void graphOrderMapsWeightsWhenBiasesDoNotNameThem() {
        // Detach every Linear's Add from its named bias: the importer must fall back to graph order
        // (query, key, value, attention output, intermediate, output per layer) and find the same weights.
        OnnxModel unnamed = withNodes(onnx.graph().nodes().stream().map(n -> n.opType().equals("Add")
                && n.inputs().get(0).endsWith(".bias") ? rewire(n, n.inputs().get(0), "computed_elsewhere") : n).toList());
        BertWeights byOrder = BertOnnxImporter.importWeights(unnamed, "unnamed");
        assertEquals(weights.config(), byOrder.config());
        weights.tensors().forEach((k, t) -> assertArrayEquals(t.floats(), byOrder.tensors().get(k).floats(), 0f, k));
    }

    @Test
    void brokenGraphsAreRejectedNamingTheProblem() {
        // A Linear paired with another layer's bias collides with that layer's weight.
        OnnxModel collision = withNodes(onnx.graph().nodes().stream().map(n -> n.name().equals(
                "/encoder/layer.1/attention/self/query/Add")
                ? rewire(n, "encoder.layer.1.attention.self.query.bias", "encoder.layer.0.attention.self.query.bias")
                : n).toList());
        assertRejected(collision, "two Linear weights to 'encoder.layer.0.attention.self.query.weight'");

        // No pooler Gemm: the encoder-only export some models ship.
        assertRejected(withNodes(onnx.graph().nodes().stream().filter(n -> !n.opType().equals("Gemm")).toList()),
                "no pooler");

        // A bias that is not where the config expects it.
        Map<String, OnnxTensor> initializers = new LinkedHashMap<>(onnx.graph().initializers());
        OnnxTensor bias = initializers.remove("encoder.layer.4.output.dense.bias");
        initializers.put("encoder.layer.4.output.dense.bias_v2", bias);
        assertRejected(new OnnxModel(onnx.irVersion(), onnx.opsetVersion(), onnx.producerName(), new OnnxGraph(
                onnx.graph().nodes(), initializers, onnx.graph().inputs(), onnx.graph().outputs())),
                "missing 'encoder.layer.4.output.dense.bias'", "unexpected 'encoder.layer.4.output.dense.bias_v2'");
    }

    @Test
    void cyclicOrDeepShapeComputationsAreRejectedNamingTheNode() {
        // The importer follows Concat producers to read the attention Reshape's shape. Graphs built in code
        // skip the reader's cycle check, so the importer must stop by itself (it recursed without end).
        OnnxNode reshape = queryReshape();
        OnnxNode selfConcat = new OnnxNode("cycle", "Concat", List.of("cyc"), List.of("cyc"), Map.of(), Map.of());
        List<OnnxNode> cyclic = new ArrayList<>(onnx.graph().nodes());
        cyclic.add(selfConcat);
        assertRejected(withNodes(replace(cyclic, reshape, rewire(reshape, reshape.inputs().get(1), "cyc"))),
                "has a cycle in its node graph through node Concat 'cycle' [cyc] -> [cyc]");

        // A chain of 100,000 Concats in front of the shape (each passes its input on).
        List<OnnxNode> chained = new ArrayList<>(onnx.graph().nodes());
        String previous = reshape.inputs().get(1);
        for (int i = 0; i < 100_000; i++) {
            chained.add(new OnnxNode("chain" + i, "Concat", List.of(previous), List.of("chain_" + i), Map.of(), Map.of()));
            previous = "chain_" + i;
        }
        assertRejected(withNodes(replace(chained, reshape, rewire(reshape, reshape.inputs().get(1), previous))),
                "nests Concat nodes more than 16 deep at node Concat 'chain99983'");
    }

    @Test
    void malformedNodesAreRejectedNamingTheNode() {
        // Nodes missing the inputs or outputs their operator has (these were index errors).
        OnnxNode add = byName("/encoder/layer.0/attention/self/query/Add");
        OnnxNode oneInput = new OnnxNode(add.name(), "Add", List.of(add.inputs().get(1)), add.outputs(),
                add.intAttributes(), add.tensorAttributes());
        assertRejected(withNodes(replace(onnx.graph().nodes(), add, oneInput)),
                "has node Add '/encoder/layer.0/attention/self/query/Add'", "with 1 input(s); Add takes at least 2");

        OnnxNode matMul = byName("/encoder/layer.2/intermediate/dense/MatMul");
        OnnxNode noOutput = new OnnxNode(matMul.name(), "MatMul", matMul.inputs(), List.of(), Map.of(), Map.of());
        assertRejected(withNodes(replace(onnx.graph().nodes(), matMul, noOutput)),
                "has node MatMul '/encoder/layer.2/intermediate/dense/MatMul'", "without an output");

        OnnxNode gemm = onnx.graph().nodes().stream().filter(n -> n.opType().equals("Gemm")).findFirst().orElseThrow();
        Map<String, long[]> emptyTransB = new HashMap<>(gemm.intAttributes());
        emptyTransB.put("transB", new long[0]);
        assertRejected(withNodes(replace(onnx.graph().nodes(), gemm, new OnnxNode(gemm.name(), "Gemm", gemm.inputs(),
                gemm.outputs(), emptyTransB, gemm.tensorAttributes()))), "whose transB attribute holds 0 values");
    }

    /** The Reshape of layer 0's query projection, whose shape input tells the head count. */
    private static OnnxNode queryReshape() {
        String projected = byName("/encoder/layer.0/attention/self/query/Add").outputs().get(0);
        return onnx.graph().consumers(projected).stream().filter(n -> n.opType().equals("Reshape")).findFirst()
                .orElseThrow();
    }

    private static OnnxNode byName(String name) {
        return onnx.graph().nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<OnnxNode> replace(List<OnnxNode> nodes, OnnxNode old, OnnxNode replacement) {
        return nodes.stream().map(n -> n == old ? replacement : n).toList();
    }

    private static void assertRejected(OnnxModel model, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BertOnnxImporter.importWeights(model, "edited.onnx"));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains("edited.onnx") && e.getMessage().contains(fragment), e.getMessage());
        }
    }

    private static OnnxModel withNodes(List<OnnxNode> nodes) {
        return new OnnxModel(onnx.irVersion(), onnx.opsetVersion(), onnx.producerName(), new OnnxGraph(nodes,
                onnx.graph().initializers(), onnx.graph().inputs(), onnx.graph().outputs()));
    }

    private static OnnxNode rewire(OnnxNode node, String from, String to) {
        return new OnnxNode(node.name(), node.opType(), node.inputs().stream().map(i -> i.equals(from) ? to : i).toList(),
                node.outputs(), node.intAttributes(), node.tensorAttributes());
    }

    /**
     * ONNX Runtime runs the original graph; a float64 BertModel forward (ReferenceBert) runs on the imported
     * weights. A swapped Q/K/V, a missing transpose or a wrong LayerNorm would show far above the tolerance.
     * Two sequences: a single sentence and a padded sentence pair with token_type_ids 1.
     */
    @Test
    void importedWeightsReproduceOnnxRuntime() throws OrtException {
        // Word-piece ids from the bundled tokenizer.json vocabulary: [CLS] the quick brown fox jumps over the
        // lazy dog . [SEP] / [CLS] spark trains models [SEP] on java machines [SEP] [PAD] [PAD] [PAD] [PAD].
        long[][] ids = {
            {101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102},
            {101, 12125, 4499, 4275, 102, 2006, 9262, 6681, 102, 0, 0, 0}};
        long[][] types = {new long[12], {0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0}};
        long[][] mask = {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}};
        OrtEnvironment env = OrtEnvironment.getEnvironment(); // a process-wide singleton: not closed
        float[][][] ortHidden;
        float[][] ortPooled;
        try (OrtSession session = env.createSession(onnxBytes, new OrtSession.SessionOptions());
             ai.onnxruntime.OnnxTensor idTensor = ai.onnxruntime.OnnxTensor.createTensor(env, ids);
             ai.onnxruntime.OnnxTensor maskTensor = ai.onnxruntime.OnnxTensor.createTensor(env, mask);
             ai.onnxruntime.OnnxTensor typeTensor = ai.onnxruntime.OnnxTensor.createTensor(env, types);
             OrtSession.Result result = session.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor,
                     "token_type_ids", typeTensor))) {
            ortHidden = (float[][][]) result.get(0).getValue();
            ortPooled = (float[][]) result.get(1).getValue();
        }
        ReferenceBert reference = new ReferenceBert(weights);
        double hiddenDiff = 0;
        double pooledDiff = 0;
        double largest = 0;
        for (int s = 0; s < ids.length; s++) {
            int[] sequenceMask = toInts(mask[s]);
            double[][] hidden = reference.lastHiddenState(toInts(ids[s]), toInts(types[s]), sequenceMask);
            for (int t = 0; t < hidden.length; t++) {
                if (sequenceMask[t] == 0) {
                    continue;
                }
                for (int k = 0; k < hidden[t].length; k++) {
                    hiddenDiff = Math.max(hiddenDiff, Math.abs(hidden[t][k] - ortHidden[s][t][k]));
                    largest = Math.max(largest, Math.abs(hidden[t][k]));
                }
            }
            double[] pooled = reference.pooled(hidden);
            for (int k = 0; k < pooled.length; k++) {
                pooledDiff = Math.max(pooledDiff, Math.abs(pooled[k] - ortPooled[s][k]));
            }
        }
        System.out.printf("MiniLM: max |float64 reference - onnxruntime| last hidden %.3e (max |h| %.2f), pooled %.3e%n",
                hiddenDiff, largest, pooledDiff);
        assertTrue(largest > 1, "non-trivial outputs");
        assertTrue(hiddenDiff < 2e-5, "last hidden state differs by " + hiddenDiff);
        assertTrue(pooledDiff < 2e-6, "pooled output differs by " + pooledDiff);

        // The check has teeth: with layer 0's query and key swapped the same comparison fails by far.
        Map<String, Tensor> swapped = new LinkedHashMap<>(weights.tensors());
        swapped.put("encoder.layer.0.attention.self.query.weight", weights.tensors().get("encoder.layer.0.attention.self.key.weight"));
        swapped.put("encoder.layer.0.attention.self.key.weight", weights.tensors().get("encoder.layer.0.attention.self.query.weight"));
        double[][] wrong = new ReferenceBert(new BertWeights(weights.config(), swapped))
                .lastHiddenState(toInts(ids[0]), toInts(types[0]), toInts(mask[0]));
        double wrongDiff = 0;
        for (int t = 0; t < wrong.length; t++) {
            for (int k = 0; k < wrong[t].length; k++) {
                wrongDiff = Math.max(wrongDiff, Math.abs(wrong[t][k] - ortHidden[0][t][k]));
            }
        }
        assertTrue(wrongDiff > 1e-2, "swapped query/key still matched: " + wrongDiff);
    }

    @Test
    void referenceErfMatchesTabulatedValues() {
        // Abramowitz & Stegun table 7.1 / high-precision values.
        assertEquals(0.5204998778130465, ReferenceBert.erf(0.5), 1e-14);
        assertEquals(0.8427007929497149, ReferenceBert.erf(1), 1e-14);
        assertEquals(-0.9953222650189527, ReferenceBert.erf(-2), 1e-14);
        assertEquals(0.9995930479825550, ReferenceBert.erf(2.5), 1e-14);
        assertEquals(0.9999779095030014, ReferenceBert.erf(3), 1e-14);
        assertEquals(0.9999999845827421, ReferenceBert.erf(4), 1e-14);
    }

    private static int[] toInts(long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (int) values[i];
        }
        return out;
    }
}

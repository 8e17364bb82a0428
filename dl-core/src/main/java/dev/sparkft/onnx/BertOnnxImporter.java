package dev.sparkft.onnx;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.model.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Maps the initializers of an ONNX export of a Hugging Face {@code BertModel} (torch.onnx, as in
 * sentence-transformers' all-MiniLM-L6-v2) to {@link BertWeights}. Named initializers (embeddings,
 * LayerNorms, biases, a Gemm pooler) keep their names. The exporter renames the Linear weights it feeds to
 * MatMul ({@code onnx::MatMul_*}) and stores them as [in, out]: each is identified by the named bias added
 * to its product, or failing that by its position in graph order (per layer: query, key, value, attention
 * output, intermediate, output; then the pooler), and transposed to PyTorch's [out, in]. The architecture is
 * read from the graph: sizes from the weights, heads from the attention reshape, layer-norm epsilon from the
 * normalisation's constant.
 */
public final class BertOnnxImporter {

    private static final String[] LAYER_LINEARS = {
        "attention.self.query", "attention.self.key", "attention.self.value",
        "attention.output.dense", "intermediate.dense", "output.dense"};
    private static final String POOLER = "pooler.dense";
    /** Exports compute a Reshape's shape with one Concat; deeper nesting is not a shape computation. */
    private static final int MAX_CONCAT_DEPTH = 16;
    /** A Reshape's shape has one element per output dimension; longer vectors are not read as shapes. */
    private static final int MAX_SHAPE_LENGTH = 64;

    private final OnnxGraph graph;
    private final String source;
    private final Map<String, OnnxNode> producers = new HashMap<>();

    private BertOnnxImporter(OnnxGraph graph, String source) {
        this.graph = graph;
        this.source = source;
        for (OnnxNode node : graph.nodes()) {
            for (String out : node.outputs()) {
                producers.put(out, node);
            }
        }
    }

    /** Imports with the head count read from the graph. {@code source} names the model in errors. */
    public static BertWeights importWeights(OnnxModel model, String source) {
        return new BertOnnxImporter(model.graph(), source).run(OptionalInt.empty());
    }

    /** Imports with a given head count, checked against the graph where it shows one. */
    public static BertWeights importWeights(OnnxModel model, String source, int numHeads) {
        return new BertOnnxImporter(model.graph(), source).run(OptionalInt.of(numHeads));
    }

    /** An initializer used as a Linear weight by MatMul(x, W) or Gemm(x, W, b), with its bias and output. */
    private record Linear(OnnxTensor weight, boolean inOutLayout, String biasName, String output) {
    }

    private BertWeights run(OptionalInt givenHeads) {
        List<Linear> linears = findLinears();
        if (linears.size() % LAYER_LINEARS.length == 0 && !linears.isEmpty()) {
            throw invalid("has " + linears.size() + " Linear weights, 6 per layer and no pooler: the export keeps only "
                    + "the last hidden state (e.g. bge-small-en-v1.5); this importer reads exports with the pooler"
                    + " (BertModel's default)");
        }
        if (linears.size() % LAYER_LINEARS.length != 1) {
            throw invalid("has " + linears.size() + " Linear weights (MatMul/Gemm with a 2-D initializer); a BertModel "
                    + "has 6 per layer + 1 for the pooler");
        }
        int layers = linears.size() / LAYER_LINEARS.length;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Linear> linearByKey = new HashMap<>();
        for (int k = 0; k < linears.size(); k++) {
            Linear linear = linears.get(k);
            String stem = stemFromBias(linear, layers).orElse(k < layers * LAYER_LINEARS.length
                    ? "encoder.layer." + k / LAYER_LINEARS.length + "." + LAYER_LINEARS[k % LAYER_LINEARS.length]
                    : POOLER);
            String key = stem + ".weight";
            if (linearByKey.put(key, linear) != null) {
                throw invalid("maps two Linear weights to '" + key + "' (" + linearByKey.get(key).weight().name()
                        + " and " + linear.weight().name() + ")");
            }
            tensors.put(key, toOutIn(linear));
        }
        for (Map.Entry<String, OnnxTensor> e : graph.initializers().entrySet()) {
            OnnxTensor init = e.getValue();
            boolean usedAsLinear = linears.stream().anyMatch(l -> l.weight() == init);
            if (usedAsLinear || init.dataType() != OnnxTensor.FLOAT || init.elementCount() <= 1) {
                continue; // position_ids (INT64) and scalar constants are not parameters
            }
            if (tensors.containsKey(e.getKey())) {
                throw invalid("has initializer '" + e.getKey() + "' twice (also as a Linear weight)");
            }
            tensors.put(e.getKey(), Tensor.ofFloats(init.floats(), init.dims()));
        }
        BertConfig config = inferConfig(tensors, linearByKey, layers, givenHeads);
        try {
            return new BertWeights(config, tensors);
        } catch (IllegalArgumentException e) {
            throw invalid("does not hold a BertModel's weights: " + e.getMessage());
        }
    }

    private List<Linear> findLinears() {
        List<Linear> out = new ArrayList<>();
        for (OnnxNode node : graph.nodes()) {
            boolean matMul = node.opType().equals("MatMul");
            boolean gemm = node.opType().equals("Gemm");
            if ((!matMul && !gemm) || node.inputs().size() < 2) {
                continue;
            }
            OnnxTensor w = graph.initializers().get(node.inputs().get(1));
            if (w == null || w.dims().length != 2 || w.dataType() != OnnxTensor.FLOAT) {
                continue;
            }
            if (matMul) {
                // The exporter adds the bias in a separate Add whose other input is the bias initializer.
                String bias = null;
                String output = output(node);
                List<OnnxNode> consumers = graph.consumers(output);
                if (consumers.size() == 1 && consumers.get(0).opType().equals("Add")) {
                    OnnxNode add = consumers.get(0);
                    String other = input(add, 0).equals(output) ? input(add, 1) : input(add, 0);
                    bias = graph.initializers().containsKey(other) ? other : null;
                    output = output(add);
                }
                out.add(new Linear(w, true, bias, output));
            } else {
                long[] transB = node.intAttributes().getOrDefault("transB", new long[] {0});
                if (transB.length != 1) {
                    throw invalid("has node " + node + " whose transB attribute holds " + transB.length
                            + " values, not 1");
                }
                String bias = node.inputs().size() > 2 ? node.inputs().get(2) : null;
                out.add(new Linear(w, transB[0] == 0, bias, output(node)));
            }
        }
        return out;
    }

    /** The Linear's module name from its bias's name, e.g. "encoder.layer.3.output.dense", when it has one. */
    private static Optional<String> stemFromBias(Linear linear, int layers) {
        if (linear.biasName() == null || !linear.biasName().endsWith(".bias")) {
            return Optional.empty();
        }
        String stem = linear.biasName().substring(0, linear.biasName().length() - ".bias".length());
        if (stem.equals(POOLER)) {
            return Optional.of(stem);
        }
        for (int i = 0; i < layers; i++) {
            for (String role : LAYER_LINEARS) {
                if (stem.equals("encoder.layer." + i + "." + role)) {
                    return Optional.of(stem);
                }
            }
        }
        return Optional.empty();
    }

    private static Tensor toOutIn(Linear linear) {
        long[] dims = linear.weight().dims();
        float[] w = linear.weight().floats();
        if (!linear.inOutLayout()) {
            return Tensor.ofFloats(w, dims);
        }
        int rows = (int) dims[0];
        int cols = (int) dims[1];
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return Tensor.ofFloats(t, cols, rows);
    }

    private BertConfig inferConfig(Map<String, Tensor> tensors, Map<String, Linear> linearByKey, int layers,
                                   OptionalInt givenHeads) {
        long[] words = shapeOf(tensors, "embeddings.word_embeddings.weight");
        long[] positions = shapeOf(tensors, "embeddings.position_embeddings.weight");
        long[] types = shapeOf(tensors, "embeddings.token_type_embeddings.weight");
        long[] intermediate = shapeOf(tensors, "encoder.layer.0.intermediate.dense.weight");
        int hidden = (int) words[1];
        Linear query = linearByKey.get("encoder.layer.0.attention.self.query.weight");
        OptionalInt graphHeads = query == null ? OptionalInt.empty() : headsFromReshape(query.output(), hidden);
        if (givenHeads.isPresent() && graphHeads.isPresent() && givenHeads.getAsInt() != graphHeads.getAsInt()) {
            throw invalid("reshapes attention into " + graphHeads.getAsInt() + " heads, not the "
                    + givenHeads.getAsInt() + " given");
        }
        int heads = givenHeads.isPresent() ? givenHeads.getAsInt() : graphHeads.orElseThrow(() -> invalid(
                "does not show the number of attention heads in a Reshape; pass it explicitly"));
        if (graph.nodes().stream().filter(n -> n.opType().equals("Erf")).count() < layers) {
            throw invalid("has fewer Erf nodes than layers: its activation is not the erf form of GELU");
        }
        try {
            return new BertConfig((int) words[0], hidden, layers, heads, (int) intermediate[0], (int) positions[0],
                    (int) types[0], layerNormEps(), "gelu");
        } catch (IllegalArgumentException e) {
            throw invalid("implies an invalid BERT config: " + e.getMessage());
        }
    }

    private long[] shapeOf(Map<String, Tensor> tensors, String key) {
        Tensor t = tensors.get(key);
        if (t == null || t.shape().length != 2) {
            throw invalid("has no 2-D '" + key + "' (found " + t + ")");
        }
        return t.shape();
    }

    /** Heads from a Reshape of the query projection to [..., heads, headSize]. */
    private OptionalInt headsFromReshape(String projected, int hidden) {
        for (OnnxNode reshape : graph.consumers(projected)) {
            if (!reshape.opType().equals("Reshape") || reshape.inputs().size() < 2) {
                continue;
            }
            long[] shape = constantVector(reshape.inputs().get(1));
            if (shape != null && shape.length >= 2) {
                long heads = shape[shape.length - 2];
                long headSize = shape[shape.length - 1];
                if (heads > 0 && headSize > 0 && heads * headSize == hidden) {
                    return OptionalInt.of((int) heads);
                }
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The value of an int tensor known before run time; -1 marks an element computed at run time. Follows
     * Concat nodes at most {@link #MAX_CONCAT_DEPTH} deep and stops at {@link #MAX_SHAPE_LENGTH} elements, so
     * a cycle (possible in a graph built in code) or a hostile graph (a long chain, Concats doubling their
     * input) fails naming the node, not with a StackOverflowError or OutOfMemoryError.
     */
    private long[] constantVector(String name) {
        return constantVector(name, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /** {@code path}: the Concat nodes being followed, outermost first. */
    private long[] constantVector(String name, Set<OnnxNode> path) {
        OnnxTensor init = graph.initializers().get(name);
        if (init != null) {
            return init.dataType() == OnnxTensor.FLOAT ? null : init.longs();
        }
        OnnxNode producer = producers.get(name);
        if (producer == null) {
            return null;
        }
        if (producer.opType().equals("Constant")) {
            return producer.tensorAttribute("value").filter(t -> t.dataType() != OnnxTensor.FLOAT)
                    .map(OnnxTensor::longs).orElse(null);
        }
        if (producer.opType().equals("Concat")) {
            if (path.contains(producer)) {
                throw invalid("has a cycle in its node graph through node " + producer);
            }
            if (path.size() == MAX_CONCAT_DEPTH) {
                throw invalid("nests Concat nodes more than " + MAX_CONCAT_DEPTH + " deep at node " + producer
                        + " (a shape computation is a few nodes deep)");
            }
            path.add(producer);
            try {
                List<Long> parts = new ArrayList<>();
                for (String input : producer.inputs()) {
                    long[] part = constantVector(input, path);
                    if (part == null) {
                        parts.add(-1L); // a run-time dimension, e.g. Unsqueeze(Gather(Shape(x)))
                    } else {
                        Arrays.stream(part).forEach(parts::add);
                    }
                    if (parts.size() > MAX_SHAPE_LENGTH) {
                        return null; // not a shape vector
                    }
                }
                return parts.stream().mapToLong(Long::longValue).toArray();
            } finally {
                path.remove(producer);
            }
        }
        return null;
    }

    /** The epsilon added under the square root of the first layer norm: Sqrt(Add(variance, eps)). */
    private double layerNormEps() {
        for (OnnxNode sqrt : graph.nodes()) {
            if (!sqrt.opType().equals("Sqrt")) {
                continue;
            }
            OnnxNode add = producers.get(input(sqrt, 0));
            if (add == null || !add.opType().equals("Add")) {
                continue;
            }
            for (String input : add.inputs()) {
                OnnxTensor constant = graph.initializers().get(input);
                OnnxNode producer = producers.get(input);
                if (constant == null && producer != null && producer.opType().equals("Constant")) {
                    constant = producer.tensorAttribute("value").orElse(null);
                }
                if (constant != null && constant.dataType() == OnnxTensor.FLOAT && constant.elementCount() == 1) {
                    // The graph stores float32; its shortest decimal is the config's value (1e-12, not 9.99...e-13).
                    return Double.parseDouble(Float.toString(constant.floats()[0]));
                }
            }
        }
        throw invalid("has no layer norm of the form Sqrt(Add(variance, epsilon)) to read epsilon from");
    }

    /** Input {@code i} of {@code node}, failing naming the node when it has fewer. */
    private String input(OnnxNode node, int i) {
        if (node.inputs().size() <= i) {
            throw invalid("has node " + node + " with " + node.inputs().size() + " input(s); " + node.opType()
                    + " takes at least " + (i + 1));
        }
        return node.inputs().get(i);
    }

    /** The first output of {@code node}, failing naming the node when it has none. */
    private String output(OnnxNode node) {
        if (node.outputs().isEmpty() || node.outputs().get(0).isEmpty()) {
            throw invalid("has node " + node + " without an output");
        }
        return node.outputs().get(0);
    }

    private IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("ONNX model " + source + " " + problem);
    }
}

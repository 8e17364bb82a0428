package dev.sparkft.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX GraphProto: nodes in the file's (topological) order, initializers by name, and the names of
 * the graph's inputs and outputs.
 */
public record OnnxGraph(List<OnnxNode> nodes, Map<String, OnnxTensor> initializers,
                        List<String> inputs, List<String> outputs) {

    public OnnxGraph {
        nodes = List.copyOf(nodes);
        initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** The nodes that read the tensor named {@code tensor}, in graph order. */
    public List<OnnxNode> consumers(String tensor) {
        List<OnnxNode> out = new ArrayList<>();
        for (OnnxNode node : nodes) {
            if (node.inputs().contains(tensor)) {
                out.add(node);
            }
        }
        return out;
    }
}

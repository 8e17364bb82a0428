package dev.sparkft.onnx;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ONNX NodeProto: operator type, tensor names in and out, and the attributes this reader keeps
 * (integer lists and tensors, e.g. a Constant's {@code value}).
 */
public record OnnxNode(String name, String opType, List<String> inputs, List<String> outputs,
                       Map<String, long[]> intAttributes, Map<String, OnnxTensor> tensorAttributes) {

    public OnnxNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        intAttributes = Map.copyOf(intAttributes);
        tensorAttributes = Map.copyOf(tensorAttributes);
    }

    public Optional<OnnxTensor> tensorAttribute(String attribute) {
        return Optional.ofNullable(tensorAttributes.get(attribute));
    }

    @Override
    public String toString() {
        return opType + " '" + name + "' " + inputs + " -> " + outputs;
    }
}

package dev.sparkft.onnx;

/** An ONNX ModelProto: format version, default-domain opset, producer and the main graph. */
public record OnnxModel(long irVersion, long opsetVersion, String producerName, OnnxGraph graph) {
}

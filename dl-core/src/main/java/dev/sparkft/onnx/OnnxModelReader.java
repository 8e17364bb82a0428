package dev.sparkft.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Reads the parts of an ONNX model that weight import needs, straight from the protobuf wire format
 * (no protobuf or onnx library): ModelProto → opset and GraphProto → nodes, initializers, inputs, outputs.
 * Tensors stored as external data are rejected. Malformed input fails with an IllegalArgumentException
 * naming the file: lengths and dims are checked before they size anything, messages are read at the fixed
 * depth ONNX gives them (unknown fields, subgraphs included, are skipped by length, never descended into)
 * and the graph is checked by {@link OnnxGraphCheck}.
 */
public final class OnnxModelReader {

    // Field numbers from onnx.proto (ONNX IR version 3 and later).
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int VALUE_INFO_NAME = 1;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_I = 3;
    private static final int ATTRIBUTE_T = 5;
    private static final int ATTRIBUTE_INTS = 8;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_INT32_DATA = 5;
    private static final int TENSOR_INT64_DATA = 7;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_DATA_LOCATION = 14;
    private static final int DATA_LOCATION_EXTERNAL = 1;

    private OnnxModelReader() {
    }

    /** Reads a model file; its initializers' raw data stay a memory-mapped view of the file. */
    public static OnnxModel read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + " is " + channel.size()
                        + " bytes; ONNX models over 2 GB keep their weights as external data, which is not supported");
            }
            return parse(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()), file.toString());
        }
    }

    /** Reads a model from a stream (e.g. a classpath resource); {@code source} names it in errors. */
    public static OnnxModel read(InputStream in, String source) throws IOException {
        return parse(ByteBuffer.wrap(in.readAllBytes()), source);
    }

    static OnnxModel parse(ByteBuffer bytes, String source) {
        ProtoReader model = new ProtoReader(bytes, source + " ModelProto");
        long irVersion = 0;
        long opset = -1;
        String producer = "";
        OnnxGraph graph = null;
        while (model.hasMore()) {
            switch (model.nextField()) {
                case MODEL_IR_VERSION -> irVersion = model.readVarint();
                case MODEL_PRODUCER_NAME -> producer = model.readString();
                case MODEL_GRAPH -> graph = readGraph(model.readMessage("graph"));
                case MODEL_OPSET_IMPORT -> {
                    ProtoReader opsetId = model.readMessage("opset_import");
                    String domain = "";
                    long version = -1;
                    while (opsetId.hasMore()) {
                        switch (opsetId.nextField()) {
                            case OPSET_DOMAIN -> domain = opsetId.readString();
                            case OPSET_VERSION -> version = opsetId.readVarint();
                            default -> opsetId.skip();
                        }
                    }
                    if (domain.isEmpty() || domain.equals("ai.onnx")) {
                        opset = version;
                    }
                }
                default -> model.skip();
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException(source + " holds no ONNX graph (is it an ONNX model file?)");
        }
        OnnxGraphCheck.check(graph, source);
        return new OnnxModel(irVersion, opset, producer, graph);
    }

    private static OnnxGraph readGraph(ProtoReader graph) {
        List<OnnxNode> nodes = new ArrayList<>();
        Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        while (graph.hasMore()) {
            switch (graph.nextField()) {
                case GRAPH_NODE -> nodes.add(readNode(graph.readMessage("node " + nodes.size())));
                case GRAPH_INITIALIZER -> {
                    OnnxTensor tensor = readTensor(graph.readMessage("initializer " + initializers.size()));
                    if (initializers.put(tensor.name(), tensor) != null) {
                        throw graph.malformed("initializer '" + tensor.name() + "' appears twice");
                    }
                }
                case GRAPH_INPUT -> inputs.add(readValueInfoName(graph.readMessage("input")));
                case GRAPH_OUTPUT -> outputs.add(readValueInfoName(graph.readMessage("output")));
                default -> graph.skip();
            }
        }
        return new OnnxGraph(nodes, initializers, inputs, outputs);
    }

    private static String readValueInfoName(ProtoReader valueInfo) {
        String name = "";
        while (valueInfo.hasMore()) {
            if (valueInfo.nextField() == VALUE_INFO_NAME) {
                name = valueInfo.readString();
            } else {
                valueInfo.skip();
            }
        }
        return name;
    }

    private static OnnxNode readNode(ProtoReader node) {
        String name = "";
        String opType = "";
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, long[]> ints = new HashMap<>();
        Map<String, OnnxTensor> tensors = new HashMap<>();
        while (node.hasMore()) {
            switch (node.nextField()) {
                case NODE_INPUT -> inputs.add(node.readString());
                case NODE_OUTPUT -> outputs.add(node.readString());
                case NODE_NAME -> name = node.readString();
                case NODE_OP_TYPE -> opType = node.readString();
                case NODE_ATTRIBUTE -> readAttribute(node.readMessage("attribute"), ints, tensors);
                default -> node.skip();
            }
        }
        return new OnnxNode(name, opType, inputs, outputs, ints, tensors);
    }

    private static void readAttribute(ProtoReader attribute, Map<String, long[]> ints, Map<String, OnnxTensor> tensors) {
        String name = "";
        LongStream.Builder values = LongStream.builder();
        boolean hasInts = false;
        OnnxTensor tensor = null;
        while (attribute.hasMore()) {
            switch (attribute.nextField()) {
                case ATTRIBUTE_NAME -> name = attribute.readString();
                case ATTRIBUTE_I -> {
                    values.add(attribute.readVarint());
                    hasInts = true;
                }
                case ATTRIBUTE_INTS -> {
                    attribute.readRepeatedVarints(values);
                    hasInts = true;
                }
                case ATTRIBUTE_T -> tensor = readTensor(attribute.readMessage("tensor attribute"));
                default -> attribute.skip();
            }
        }
        if (hasInts) {
            ints.put(name, values.build().toArray());
        }
        if (tensor != null) {
            tensors.put(name, tensor);
        }
    }

    private static OnnxTensor readTensor(ProtoReader tensor) {
        String name = "";
        int dataType = 0;
        LongStream.Builder dims = LongStream.builder();
        ByteBuffer raw = null;
        ExpandingBuffer typed = new ExpandingBuffer();
        while (tensor.hasMore()) {
            switch (tensor.nextField()) {
                case TENSOR_DIMS -> tensor.readRepeatedVarints(dims);
                case TENSOR_DATA_TYPE -> dataType = (int) tensor.readVarint();
                case TENSOR_NAME -> name = tensor.readString();
                case TENSOR_RAW_DATA -> raw = tensor.readBytes();
                case TENSOR_FLOAT_DATA -> {
                    if (tensor.wireType() == ProtoReader.LENGTH_DELIMITED) {
                        typed.put(tensor.readBytes());
                    } else {
                        tensor.expect(ProtoReader.FIXED32);
                        typed.putInt(tensor.readFixed32());
                    }
                }
                // int32_data holds int32 values as varints; int64_data int64 values.
                case TENSOR_INT32_DATA -> tensor.readRepeatedVarints(v -> typed.putInt((int) v));
                case TENSOR_INT64_DATA -> tensor.readRepeatedVarints(typed::putLong);
                case TENSOR_DATA_LOCATION -> {
                    if (tensor.readVarint() == DATA_LOCATION_EXTERNAL) {
                        throw tensor.malformed("tensor '" + name + "' keeps its data in an external file, "
                                + "which is not supported; export the model with its weights inside the .onnx file");
                    }
                }
                default -> tensor.skip();
            }
        }
        long[] shape = dims.build().toArray();
        ByteBuffer data = raw != null ? raw : typed.toBuffer();
        checkSize(tensor, name, dataType, shape, data);
        return new OnnxTensor(name, dataType, shape, data);
    }

    /**
     * Dims must be non-negative and count at most 2^31 - 1 elements (a Java array), and a tensor of a type
     * this reader decodes must hold exactly that many: a corrupt dims field is reported here, naming the
     * file, instead of sizing an allocation (or overflowing the element count) when the tensor is read.
     */
    private static void checkSize(ProtoReader tensor, String name, int dataType, long[] dims, ByteBuffer data) {
        long elements = 1;
        for (long d : dims) {
            if (d < 0 || d > Integer.MAX_VALUE || elements * d > Integer.MAX_VALUE) {
                throw tensor.malformed("tensor '" + name + "' has dims " + Arrays.toString(dims)
                        + ": a dimension is negative or there are more than 2^31 - 1 elements");
            }
            elements *= d;
        }
        int width = switch (dataType) {
            case OnnxTensor.FLOAT, OnnxTensor.INT32 -> 4;
            case OnnxTensor.INT64 -> 8;
            default -> 0; // not decoded here
        };
        if (width > 0 && data.remaining() != elements * width) {
            throw tensor.malformed("tensor '" + name + "' with dims " + Arrays.toString(dims) + " and data_type "
                    + dataType + " holds " + data.remaining() + " bytes, expected " + elements * width);
        }
    }

    /** Collects repeated numeric fields into little-endian bytes, the layout raw_data has. */
    private static final class ExpandingBuffer {
        private ByteBuffer buffer = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

        void put(ByteBuffer bytes) {
            ensure(bytes.remaining());
            buffer.put(bytes);
        }

        void putInt(int value) {
            ensure(4);
            buffer.putInt(value);
        }

        void putLong(long value) {
            ensure(8);
            buffer.putLong(value);
        }

        ByteBuffer toBuffer() {
            return buffer.duplicate().flip();
        }

        private void ensure(int bytes) {
            if (buffer.remaining() < bytes) {
                ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes))
                        .order(ByteOrder.LITTLE_ENDIAN);
                larger.put(buffer.flip());
                buffer = larger;
            }
        }
    }
}

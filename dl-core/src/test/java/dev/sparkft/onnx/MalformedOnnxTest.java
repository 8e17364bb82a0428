package dev.sparkft.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile or corrupt ONNX bytes, encoded here field by field: each must fail with an IllegalArgumentException
 * naming the file (and the node or tensor where there is one), never a StackOverflowError, an
 * OutOfMemoryError or an index error from deeper in the code.
 */
class MalformedOnnxTest {

    // Field numbers from onnx.proto, written out independently of the reader's constants.
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET = 8;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_T = 5;
    private static final int ATTRIBUTE_G = 6;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_INT64_DATA = 7;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;

    private static final float[] W = {1.5f, -2f, 0.25f, 3f, 0.5f, -1f}; // [2, 3]
    private static final float[] B = {0.1f, 0.2f, -0.3f};

    @Test
    void cycleInTheNodeGraphIsRefusedNamingItsNodes() {
        // a: Add(x, c) -> s; b: Relu(s) -> c. Each node waits for the other.
        ProtoWriter graph = new ProtoWriter()
                .message(GRAPH_NODE, node("a", "Add", List.of("x", "c"), "s"))
                .message(GRAPH_NODE, node("b", "Relu", List.of("s"), "c"))
                .message(GRAPH_INPUT, valueInfo("x")).message(GRAPH_OUTPUT, valueInfo("s"));
        assertEquals("ONNX model loop.onnx has a cycle in its node graph: 'b' (Relu) -> 'a' (Add) -> 'b' (Relu)",
                refusal(model(graph), "loop.onnx"));

        ProtoWriter self = new ProtoWriter().message(GRAPH_NODE, node("", "Mul", List.of("x", "m"), "m"))
                .message(GRAPH_INPUT, valueInfo("x"));
        assertEquals("ONNX model self.onnx has a cycle in its node graph: #0 (Mul) -> #0 (Mul)",
                refusal(model(self), "self.onnx"));
    }

    @Test
    void longCycleIsFoundWithoutRecursion() {
        // 50,000 Relu nodes in a ring: deeper than a recursive walk fits in a default 1 MB thread stack.
        int n = 50_000;
        ProtoWriter graph = new ProtoWriter();
        for (int i = 0; i < n; i++) {
            graph.message(GRAPH_NODE, node("r" + i, "Relu", List.of("t" + (i + n - 1) % n), "t" + i));
        }
        String message = refusal(model(graph), "ring.onnx");
        assertTrue(message.startsWith("ONNX model ring.onnx has a cycle in its node graph: 'r"), message);
        assertTrue(message.endsWith(" -> ... (" + n + " nodes)"), message);
    }

    @Test
    void nodeInputNamingNoTensorIsRefusedNamingTheNode() {
        ProtoWriter graph = validGraph().message(GRAPH_NODE, node("late", "Add", List.of("y", "bias_of_nothing"), "late_out"));
        assertEquals("ONNX model dangling.onnx has node 'late' (Add) reading 'bias_of_nothing', which is no"
                + " initializer, graph input or node output", refusal(model(graph), "dangling.onnx"));
        // An empty input name is an optional input left out, not a dangling one.
        ProtoWriter optional = validGraph().message(GRAPH_NODE, node("clip", "Clip", List.of("y", "", "b"), "clipped"));
        assertEquals(5, OnnxModelReader.parse(ByteBuffer.wrap(model(optional)), "optional.onnx").graph().nodes().size());
    }

    @Test
    void tensorWithTwoProducersIsRefused() {
        ProtoWriter graph = validGraph().message(GRAPH_NODE, node("again", "Relu", List.of("x"), "xw"));
        assertEquals("ONNX model twice.onnx has tensor 'xw' as the output of two nodes, 'mm' (MatMul) and"
                + " 'again' (Relu)", refusal(model(graph), "twice.onnx"));
    }

    @Test
    void corruptDimsAreRefusedBeforeTheyCountOrSizeAnything() {
        // 2^62 * 4 elements wrap to 0 in a long, which matched the empty data; [-1, -3] counted 3 elements.
        for (long[] dims : new long[][] {{1L << 62, 4}, {-1, -3}, {Integer.MAX_VALUE, 2}, {1L << 40}}) {
            ProtoWriter tensor = new ProtoWriter().packedVarints(TENSOR_DIMS, dims).varint(TENSOR_DATA_TYPE, 1)
                    .string(TENSOR_NAME, "huge").bytes(TENSOR_RAW_DATA, ProtoWriter.littleEndian(1f, 2f, 3f));
            String message = refusal(model(validGraph().message(GRAPH_INITIALIZER, tensor)), "dims.onnx");
            assertTrue(message.contains("dims.onnx") && message.contains("tensor 'huge' has dims "
                    + Arrays.toString(dims)), Arrays.toString(dims) + ": " + message);
        }
        ProtoWriter short5 = new ProtoWriter().packedVarints(TENSOR_DIMS, 2, 3).varint(TENSOR_DATA_TYPE, 1)
                .string(TENSOR_NAME, "W5").packedFloats(4, 1f, 2f, 3f, 4f, 5f);
        String message = refusal(model(validGraph().message(GRAPH_INITIALIZER, short5)), "short.onnx");
        assertTrue(message.contains("short.onnx") && message.contains("tensor 'W5' with dims [2, 3]")
                && message.contains("holds 20 bytes, expected 24"), message);
    }

    @Test
    void absurdLengthFieldsAreRefusedWithoutAllocating() {
        byte[] some = new byte[16];
        for (long length : new long[] {1L << 40, Integer.MAX_VALUE, 17, -1L}) {
            // At the top (the graph), in the graph (a node) and in a tensor (its raw data).
            ProtoWriter topLevel = new ProtoWriter().varint(MODEL_IR_VERSION, 8).lyingBytes(MODEL_GRAPH, length, some);
            ProtoWriter inGraph = validGraph().lyingBytes(GRAPH_NODE, length, some);
            ProtoWriter inTensor = validGraph().message(GRAPH_INITIALIZER, new ProtoWriter()
                    .packedVarints(TENSOR_DIMS, 4).varint(TENSOR_DATA_TYPE, 1).string(TENSOR_NAME, "t")
                    .lyingBytes(TENSOR_RAW_DATA, length, some));
            for (byte[] bytes : List.of(topLevel.toByteArray(), model(inGraph), model(inTensor))) {
                String message = refusal(bytes, "long.onnx");
                assertTrue(message.startsWith("malformed ONNX protobuf in long.onnx")
                        && message.contains("length-delimited field of " + length + " bytes"), message);
            }
        }
    }

    @Test
    void fieldsOfTheWrongWireTypeAreRefused() {
        // The graph as a varint: its value was taken for a length and the bytes after it for a graph.
        byte[] bytes = new ProtoWriter().varint(MODEL_IR_VERSION, 8).varint(MODEL_GRAPH, 3)
                .raw(new byte[] {0x0a, 0x01, 0x00}).toByteArray();
        String message = refusal(bytes, "wire.onnx");
        assertTrue(message.startsWith("malformed ONNX protobuf in wire.onnx ModelProto")
                && message.contains("field 7 has wire type 0 where 2 was expected"), message);
        // A node name as a varint.
        ProtoWriter graph = validGraph().message(GRAPH_NODE, new ProtoWriter().varint(NODE_NAME, 5)
                .string(NODE_OP_TYPE, "Relu").string(NODE_INPUT, "x").string(NODE_OUTPUT, "r"));
        message = refusal(model(graph), "wire.onnx");
        assertTrue(message.contains("wire.onnx ModelProto > graph > node 4")
                && message.contains("field 3 has wire type 0 where 2 was expected"), message);
    }

    @Test
    void deeplyNestedSubgraphsAreSkippedNotDescended() {
        // If(cond) { If(cond) { ... } } 1,000 deep: a reader that recursed into attribute subgraphs would
        // overflow its stack; this one skips them by length.
        ProtoWriter inner = new ProtoWriter().message(GRAPH_NODE, node("leaf", "Relu", List.of("x"), "r"));
        for (int depth = 0; depth < 1_000; depth++) {
            ProtoWriter attribute = new ProtoWriter().string(ATTRIBUTE_NAME, "then_branch").message(ATTRIBUTE_G, inner);
            inner = new ProtoWriter().message(GRAPH_NODE, node("if" + depth, "If", List.of("x"), "o" + depth)
                    .message(NODE_ATTRIBUTE, attribute));
        }
        ProtoWriter graph = validGraph().message(GRAPH_NODE, node("outer", "If", List.of("x"), "out")
                .message(NODE_ATTRIBUTE, new ProtoWriter().string(ATTRIBUTE_NAME, "then_branch")
                        .message(ATTRIBUTE_G, inner)));
        OnnxGraph read = OnnxModelReader.parse(ByteBuffer.wrap(model(graph)), "nested.onnx").graph();
        assertEquals("outer", read.nodes().get(4).name());
        // Cut inside the nesting: the outer lengths no longer fit and the first one is refused.
        byte[] whole = model(graph);
        String message = refusal(Arrays.copyOf(whole, whole.length - 100), "nested.onnx");
        assertTrue(message.startsWith("malformed ONNX protobuf in nested.onnx"), message);
    }

    /**
     * Garbage, every truncation and single-byte mutations of a valid model, read and then imported: whatever
     * fails must fail with an IllegalArgumentException naming the file.
     */
    @Test
    void garbageAndMutationsFailOnlyWithIllegalArgumentExceptions() {
        byte[] valid = model(validGraph());
        int checked = 0;
        for (int cut = 0; cut < valid.length; cut++) {
            assertTrue(readAndImport(Arrays.copyOf(valid, cut), "cut " + cut), "cut " + cut + " was accepted");
            checked++;
        }
        Random random = new Random(20240611);
        for (int position = 0; position < valid.length; position++) {
            for (int value : new int[] {0x00, 0x01, 0x7f, 0x80, 0xff, valid[position] ^ 0x40, random.nextInt(256)}) {
                byte[] mutated = valid.clone();
                mutated[position] = (byte) value;
                readAndImport(mutated, "byte " + position + " = " + value);
                checked++;
            }
        }
        for (int i = 0; i < 2_000; i++) {
            byte[] garbage = new byte[random.nextInt(512)];
            random.nextBytes(garbage);
            if (i % 2 == 0 && garbage.length > 2) { // half of them behind a plausible graph tag and length
                garbage[0] = (byte) (MODEL_GRAPH << 3 | 2);
                garbage[1] = (byte) Math.min(127, garbage.length - 2);
            }
            readAndImport(garbage, "garbage " + i);
            checked++;
        }
        assertTrue(checked > 3_000, "checked " + checked);
    }

    /** True when reading or importing failed (as it must, naming {@code source}); false when both passed. */
    private static boolean readAndImport(byte[] bytes, String source) {
        try {
            OnnxModel model = OnnxModelReader.parse(ByteBuffer.wrap(bytes), source);
            BertOnnxImporter.importWeights(model, source);
            return false;
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains(source), source + ": " + e.getMessage());
            return true;
        }
    }

    private static String refusal(byte[] bytes, String source) {
        return assertThrows(IllegalArgumentException.class,
                () -> OnnxModelReader.parse(ByteBuffer.wrap(bytes), source)).getMessage();
    }

    /**
     * y = Add(MatMul(x, W), b), z = Reshape(y, Concat(Constant [1, 3])): four nodes, two initializers.
     * Nodes and initializers can be appended.
     */
    private static ProtoWriter validGraph() {
        ProtoWriter w = new ProtoWriter().packedVarints(TENSOR_DIMS, 2, 3).varint(TENSOR_DATA_TYPE, 1)
                .string(TENSOR_NAME, "W").packedFloats(4, W);
        ProtoWriter b = new ProtoWriter().packedVarints(TENSOR_DIMS, 3).varint(TENSOR_DATA_TYPE, 1)
                .string(TENSOR_NAME, "b").bytes(TENSOR_RAW_DATA, ProtoWriter.littleEndian(B));
        ProtoWriter shape = new ProtoWriter().packedVarints(TENSOR_DIMS, 2).varint(TENSOR_DATA_TYPE, 7)
                .packedVarints(TENSOR_INT64_DATA, 1, 3);
        return new ProtoWriter()
                .message(GRAPH_NODE, node("mm", "MatMul", List.of("x", "W"), "xw"))
                .message(GRAPH_NODE, node("add", "Add", List.of("xw", "b"), "y"))
                .message(GRAPH_NODE, node("shape", "Constant", List.of(), "s")
                        .message(NODE_ATTRIBUTE, new ProtoWriter().string(ATTRIBUTE_NAME, "value").message(ATTRIBUTE_T, shape)))
                .message(GRAPH_NODE, node("reshape", "Reshape", List.of("y", "s"), "z"))
                .message(GRAPH_INITIALIZER, w).message(GRAPH_INITIALIZER, b)
                .message(GRAPH_INPUT, valueInfo("x")).message(GRAPH_OUTPUT, valueInfo("z"));
    }

    private static ProtoWriter node(String name, String opType, List<String> inputs, String... outputs) {
        ProtoWriter node = new ProtoWriter();
        inputs.forEach(i -> node.string(NODE_INPUT, i));
        for (String o : outputs) {
            node.string(NODE_OUTPUT, o);
        }
        return node.string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
    }

    private static ProtoWriter valueInfo(String name) {
        return new ProtoWriter().string(1, name);
    }

    private static byte[] model(ProtoWriter graph) {
        return new ProtoWriter().varint(MODEL_IR_VERSION, 8)
                .message(MODEL_OPSET, new ProtoWriter().string(1, "").varint(2, 13))
                .message(MODEL_GRAPH, graph).toByteArray();
    }
}

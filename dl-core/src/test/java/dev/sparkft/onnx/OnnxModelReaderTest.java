package dev.sparkft.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hand-encoded model y = MatMul(x, W) + b, with W and b stored in the two encodings exporters use
 * (packed float_data, raw_data) and dims once packed, once one per tag. ONNX Runtime runs the same bytes,
 * so the field numbers and layouts this reader assumes are checked against an independent implementation.
 */
class OnnxModelReaderTest {

    private static final float[] W = {1.5f, -2f, 0.25f, 3f, 0.5f, -1f}; // [2, 3]
    private static final float[] B = {0.1f, 0.2f, -0.3f};

    @Test
    void readsWhatOnnxRuntimeRuns() throws OrtException {
        byte[] bytes = model(false);
        OnnxModel model = OnnxModelReader.parse(ByteBuffer.wrap(bytes), "hand-built");
        assertEquals(8, model.irVersion());
        assertEquals(13, model.opsetVersion());
        assertEquals("sparkft-test", model.producerName());
        OnnxGraph graph = model.graph();
        assertEquals(List.of("x"), graph.inputs());
        assertEquals(List.of("y"), graph.outputs());
        assertEquals(List.of("Constant", "MatMul", "Add"), graph.nodes().stream().map(OnnxNode::opType).toList());
        OnnxNode matMul = graph.nodes().get(1);
        assertEquals("mm", matMul.name());
        assertEquals(List.of("x", "W"), matMul.inputs());
        assertEquals(List.of(graph.nodes().get(2)), graph.consumers("xw"));
        assertArrayEquals(new long[] {0, 0, 4, 2}, graph.nodes().get(0).tensorAttribute("value").orElseThrow().longs());
        OnnxTensor w = graph.initializers().get("W");
        assertArrayEquals(new long[] {2, 3}, w.dims());
        assertArrayEquals(W, w.floats());
        assertArrayEquals(B, graph.initializers().get("b").floats());

        float[][] x = {{1f, 2f}, {-0.5f, 4f}};
        OrtEnvironment env = OrtEnvironment.getEnvironment(); // a process-wide singleton: not closed
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
             ai.onnxruntime.OnnxTensor input = ai.onnxruntime.OnnxTensor.createTensor(env, x);
             OrtSession.Result result = session.run(Map.of("x", input))) {
            float[][] y = (float[][]) result.get(0).getValue();
            float[] weights = w.floats();
            float[] bias = graph.initializers().get("b").floats();
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 3; c++) {
                    float expected = x[r][0] * weights[c] + x[r][1] * weights[3 + c] + bias[c];
                    assertEquals(expected, y[r][c], 1e-6f, "y[" + r + "][" + c + "]");
                }
            }
        }
    }

    @Test
    void rejectsTruncatedAndExternalData() {
        byte[] bytes = model(false);
        for (int cut : new int[] {bytes.length - 1, bytes.length - 5, bytes.length / 2}) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxModelReader.parse(ByteBuffer.wrap(truncated), "cut.onnx"));
            assertTrue(e.getMessage().contains("cut.onnx") && e.getMessage().contains("malformed"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxModelReader.parse(ByteBuffer.wrap(model(true)), "external.onnx"));
        assertTrue(e.getMessage().contains("'W'") && e.getMessage().contains("external"), e.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> OnnxModelReader.parse(ByteBuffer.wrap(new ProtoWriter().varint(1, 7).toByteArray()), "empty.onnx"));
        assertTrue(empty.getMessage().contains("no ONNX graph"), empty.getMessage());
    }

    /** Field numbers from onnx.proto, written out independently of the reader's constants. */
    private static byte[] model(boolean externalWeight) {
        ProtoWriter w = new ProtoWriter().varint(1, 2).varint(1, 3) // dims one per tag
                .varint(2, 1).string(8, "W").packedFloats(4, W);
        if (externalWeight) {
            w.varint(14, 1);
        }
        ProtoWriter b = new ProtoWriter().packedVarints(1, 3).varint(2, 1).string(8, "b")
                .bytes(9, ProtoWriter.littleEndian(B)).string(12, "doc string to skip");
        ProtoWriter shapeConstant = new ProtoWriter().packedVarints(1, 4).varint(2, 7).packedVarints(7, 0, 0, 4, 2);
        ProtoWriter constant = new ProtoWriter().string(2, "shape").string(4, "Constant")
                .message(5, new ProtoWriter().string(1, "value").message(5, shapeConstant).varint(20, 4));
        ProtoWriter matMul = new ProtoWriter().string(1, "x").string(1, "W").string(2, "xw").string(3, "mm")
                .string(4, "MatMul");
        ProtoWriter add = new ProtoWriter().string(1, "xw").string(1, "b").string(2, "y").string(3, "add")
                .string(4, "Add");
        ProtoWriter graph = new ProtoWriter().message(1, constant).message(1, matMul).message(1, add)
                .string(2, "g").message(5, w).message(5, b)
                .message(11, valueInfo("x", 2)).message(12, valueInfo("y", 3));
        return new ProtoWriter().varint(1, 8).string(2, "sparkft-test")
                .message(8, new ProtoWriter().string(1, "").varint(2, 13))
                .message(7, graph).toByteArray();
    }

    /** A float tensor of shape [batch, columns] with a symbolic batch dimension. */
    private static ProtoWriter valueInfo(String name, int columns) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "batch"))
                .message(1, new ProtoWriter().varint(1, columns));
        ProtoWriter tensorType = new ProtoWriter().varint(1, 1).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}

package dev.sparkft.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.cnn.CnnWeights;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TF.js importer on hand-built models with known weights: the shard decoding (float32, uint8/uint16 min+scale,
 * float16; several shards), a whole Keras MobileNetV2 written as nsfwjs ships it and as the converter does (names,
 * NHWC to NCHW layouts, every value), and the one-line refusals of broken wrappers, manifests and topologies.
 */
class TfjsImportTest {
    @TempDir
    Path temp;

    @Test
    void decodesFloatQuantisedAndHalfWeightsAcrossShards() throws IOException {
        ByteBuffer a = ByteBuffer.allocate(8 + 3).order(ByteOrder.LITTLE_ENDIAN);
        a.putFloat(1.5f).putFloat(-2.25f);        // w32 [2]
        a.put((byte) 0).put((byte) 255).put((byte) 10); // q8 [3]: min + scale * q
        ByteBuffer b = ByteBuffer.allocate(4 + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0).putShort((short) 65535); // q16 [2]
        b.putShort((short) 0x3C00).putShort((short) 0xC100); // f16 [2]: 1.0, -2.5
        Files.write(temp.resolve("shard-a"), a.array());
        Files.writeString(temp.resolve("shard-b.min.js"), KerasMobileNetV2Builder.wrap("shard_b",
                '"' + Base64.getEncoder().encodeToString(b.array()) + '"'));
        String json = "{modelTopology:{},weightsManifest:[{paths:['shard-a','shard-b'],weights:["
                + "{name:'w32',shape:[2],dtype:'float32'},"
                + "{name:'q8',shape:[3,1],dtype:'float32',quantization:{dtype:'uint8',min:-.5,scale:.25}},"
                + "{name:'q16',shape:[2],dtype:'float32',quantization:{dtype:'uint16',min:-1,scale:2e-3}},"
                + "{name:'f16',shape:[1,2],dtype:'float32',quantization:{dtype:'float16'}}]}]}";
        Path model = Files.writeString(temp.resolve("model.min.js"), KerasMobileNetV2Builder.wrap("model", json));

        Map<String, Tensor> w = TfjsModelFiles.readWeights(TfjsModelFiles.readModelJson(model), temp, model);

        assertEquals(List.of("w32", "q8", "q16", "f16"), new ArrayList<>(w.keySet()));
        assertArrayEquals(new float[] {1.5f, -2.25f}, w.get("w32").floats());
        assertArrayEquals(new float[] {-0.5f, 63.25f, 2.0f}, w.get("q8").floats());
        assertArrayEquals(new long[] {3, 1}, w.get("q8").shape());
        assertArrayEquals(new float[] {-1f, (float) (65535 * 2e-3 - 1)}, w.get("q16").floats());
        assertArrayEquals(new float[] {1.0f, -2.5f}, w.get("f16").floats());
    }

    @Test
    void importsAWrappedMobileNetV2WithTorchvisionNamesAndLayouts() throws IOException {
        var builder = new KerasMobileNetV2Builder(64, List.of(new KerasMobileNetV2Builder.Dense(3, "softmax")));
        Path model = builder.write(temp.resolve("wrapped"), true);
        assertTrue(KerasMobileNetV2Builder.read(model).contains("trainable:!1"), "the fixture is minified");
        Path out = temp.resolve("imported");

        TfjsImport.Result result = TfjsImport.importMobileNetV2(model.getParent(), out, List.of("a", "b", "c"));

        Map<String, Tensor> t = SafeTensors.read(out.resolve("model.safetensors"));
        // 52 convolutions + 52 batch norms x 4 + classifier.1 weight and bias: torchvision's state_dict less
        // its 52 num_batches_tracked.
        assertEquals(262, t.size());
        assertEquals(262, result.tensors());
        assertEquals(List.of("dense_1 1280->3 softmax"), result.head());
        assertEquals(64, result.height());
        // Stem conv: Keras H,W,in,out -> torch out,in,H,W, every value.
        expectPermuted(builder.values.get("Conv1/kernel"), new int[] {3, 3, 3, 32}, t.get("features.0.0.weight"),
                new long[] {32, 3, 3, 3}, new int[] {3, 2, 0, 1});
        // Block 0 (no expansion): depthwise H,W,C,1 -> C,1,H,W at conv.0.0, projection at conv.1, its BN at conv.2.
        expectPermuted(builder.values.get("expanded_conv_depthwise/depthwise_kernel"), new int[] {3, 3, 32, 1},
                t.get("features.1.conv.0.0.weight"), new long[] {32, 1, 3, 3}, new int[] {2, 3, 0, 1});
        expectPermuted(builder.values.get("expanded_conv_project/kernel"), new int[] {1, 1, 32, 16},
                t.get("features.1.conv.1.weight"), new long[] {16, 32, 1, 1}, new int[] {3, 2, 0, 1});
        assertArrayEquals(builder.values.get("expanded_conv_project_BN/moving_variance"),
                t.get("features.1.conv.2.running_var").floats());
        // Block 13 = features.14 (expanded): conv.0 expand, conv.1 depthwise, conv.2 project, conv.3 BN.
        expectPermuted(builder.values.get("block_13_expand/kernel"), new int[] {1, 1, 96, 576},
                t.get("features.14.conv.0.0.weight"), new long[] {576, 96, 1, 1}, new int[] {3, 2, 0, 1});
        assertArrayEquals(builder.values.get("block_13_expand_BN/gamma"), t.get("features.14.conv.0.1.weight").floats());
        expectPermuted(builder.values.get("block_13_depthwise/depthwise_kernel"), new int[] {3, 3, 576, 1},
                t.get("features.14.conv.1.0.weight"), new long[] {576, 1, 3, 3}, new int[] {2, 3, 0, 1});
        assertArrayEquals(builder.values.get("block_13_depthwise_BN/beta"), t.get("features.14.conv.1.1.bias").floats());
        expectPermuted(builder.values.get("block_13_project/kernel"), new int[] {1, 1, 576, 160},
                t.get("features.14.conv.2.weight"), new long[] {160, 576, 1, 1}, new int[] {3, 2, 0, 1});
        assertArrayEquals(builder.values.get("block_13_project_BN/moving_mean"),
                t.get("features.14.conv.3.running_mean").floats());
        expectPermuted(builder.values.get("Conv_1/kernel"), new int[] {1, 1, 320, 1280}, t.get("features.18.0.weight"),
                new long[] {1280, 320, 1, 1}, new int[] {3, 2, 0, 1});
        assertArrayEquals(builder.values.get("Conv_1_bn/moving_variance"), t.get("features.18.1.running_var").floats());
        // Dense in,out -> Linear out,in.
        expectPermuted(builder.values.get("dense_1/kernel"), new int[] {1280, 3}, t.get("classifier.1.weight"),
                new long[] {3, 1280}, new int[] {1, 0});
        assertArrayEquals(builder.values.get("dense_1/bias"), t.get("classifier.1.bias").floats());
        // Every Keras weight lands somewhere, whatever it was stored as (float32, uint8, uint16, float16).
        long keras = builder.values.values().stream().mapToLong(v -> v.length).sum();
        assertEquals(keras, t.values().stream().mapToLong(v -> v.floats().length).sum());
        assertEquals(keras, result.parameters());

        JsonNode config = KerasMobileNetV2Builder.JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("mobilenet_v2", config.get("architecture").asText());
        assertEquals("[\"a\",\"b\",\"c\"]", config.get("class_names").toString());
        assertEquals(3, config.get("num_classes").asInt());
        assertEquals("[3,64,64]", config.get("image_size").toString());
        assertEquals(0.001, config.get("batch_norm_eps").asDouble());
        assertEquals("tf_same", config.get("padding").asText());
        assertFalse(config.has("head"), "a single Dense layer is classifier.1, no extra head");
        // The CNN engine's own reader takes the folder: every tensor it expects, under its name and shape.
        CnnWeights weights = CnnWeights.folder(out);
        assertEquals(CnnConfig.Padding.TF_SAME, weights.config().padding());
        assertEquals(0.001, weights.config().batchNormEps());
        assertEquals(List.of("a", "b", "c"), weights.config().classNames());
        assertEquals(List.of("imported", "wrapped"), listing(temp), "nothing else (no temporary) left behind");
    }

    @Test
    void importsAPlainModelJsonWithAnNsfwjsLikeHead() throws IOException {
        var builder = new KerasMobileNetV2Builder(32, List.of(new KerasMobileNetV2Builder.Dense(8, "relu"),
                new KerasMobileNetV2Builder.Dense(4, "relu"), new KerasMobileNetV2Builder.Dense(2, "softmax")));
        Path model = builder.write(temp.resolve("plain"), false);
        Path out = temp.resolve("imported");

        TfjsImport.Result result = TfjsImport.importMobileNetV2(model, out, null);

        assertEquals(List.of("class_0", "class_1"), result.classNames());
        Map<String, Tensor> t = SafeTensors.read(out.resolve("model.safetensors"));
        assertFalse(t.containsKey("classifier.1.weight"));
        expectPermuted(builder.values.get("dense_2/kernel"), new int[] {8, 4}, t.get("head.dense_2.weight"),
                new long[] {4, 8}, new int[] {1, 0});
        assertArrayEquals(builder.values.get("dense_3/bias"), t.get("head.dense_3.bias").floats());
        JsonNode head = KerasMobileNetV2Builder.JSON.readTree(out.resolve("config.json").toFile()).get("head");
        assertEquals("[{\"name\":\"head.dense_1\",\"in_features\":1280,\"out_features\":8,\"activation\":\"relu\"},"
                + "{\"name\":\"head.dense_2\",\"in_features\":8,\"out_features\":4,\"activation\":\"relu\"},"
                + "{\"name\":\"head.dense_3\",\"in_features\":4,\"out_features\":2,\"activation\":\"softmax\"}]",
                head.toString());
    }

    @Test
    void refusesBrokenWrappersAndShardsNamingTheFile() throws IOException {
        Path model = Files.writeString(temp.resolve("model.min.js"), "module.exports=function(){return 1};");
        assertFails(model, model + ": no model.json object found");
        Files.writeString(model, "a.exports={modelTopology:{a:[1,2}}}");
        assertFails(model, model + ": the model.json object does not parse");
        Files.writeString(model, "a.exports={modelTopology:{a:[1,2]}");
        assertFails(model, model + ": the model.json object starting at character 10 is not closed");
        Files.writeString(model, "a.exports={weights:[]}");
        assertFails(model, model + ": the model.json object has no 'modelTopology' object and 'weightsManifest' array");

        var builder = new KerasMobileNetV2Builder(32, List.of(new KerasMobileNetV2Builder.Dense(2, "softmax")));
        Path dir = temp.resolve("m");
        Path good = builder.write(dir, true);
        Path shard = dir.resolve("group1-shard1of1.min.js");
        String shardText = Files.readString(shard);
        Files.writeString(shard, shardText.replace("a.exports=\"", "a.exports=\"!!"));
        assertFails(good, shard + ": the exported weight string is not base64");
        Files.writeString(shard, shardText.replace("a.exports=\"", "a.exports=\"AAAA"));
        assertFails(good, good + ": shards [group1-shard1of1] hold ");
        int cut = shardText.indexOf("\"},{}]");
        Files.writeString(shard, shardText.substring(0, cut - 400) + shardText.substring(cut));
        assertFails(good, "bytes at offset ");
        Files.delete(shard);
        assertFails(good, good + ": weight shard 'group1-shard1of1' not found in " + dir
                + " (looked for group1-shard1of1 and group1-shard1of1.min.js)");
        assertFails(temp.resolve("nowhere"), "TF.js model " + temp.resolve("nowhere") + " does not exist");
    }

    @Test
    void refusesManifestsAndTopologiesThatAreNotAKerasMobileNetV2() throws IOException {
        assertTopologyFails(m -> edit(m, "block_3_expand", "name", "block_3_expander"),
                "layer 'block_3_expander' is a Conv2D; expected 'block_3_expand' (Conv2D) after 'block_2_add'");
        assertTopologyFails(m -> {
            ((ObjectNode) layer(m, "block_6_pad").get("config")).putArray("padding").add(1).add(1);
            return m;
        }, "layer 'block_6_pad' pads [1,1] for a 4x4 input differ from TensorFlow SAME's [[0, 1], [0, 1]]");
        assertTopologyFails(m -> edit(m, "block_2_depthwise", "padding", "valid"),
                "layer 'block_2_depthwise' padding 'valid' is not TensorFlow SAME padding");
        assertTopologyFails(m -> edit(m, "Conv1_relu", "max_value", null),
                "layer 'Conv1_relu' is not ReLU6");
        assertTopologyFails(m -> edit(m, "block_5_project_BN", "epsilon", 1e-5),
                "layer 'block_5_project_BN' epsilon 1.0E-5 differs from the other layers' 0.001");
        assertTopologyFails(m -> edit(m, "block_4_expand", "use_bias", true), "layer 'block_4_expand' has a bias");
        assertTopologyFails(m -> edit(m, "dense_1", "activation", "tanh"), "layer 'dense_1' has activation 'tanh'");
        assertTopologyFails(m -> {
            JsonNode weights = m.get("weightsManifest").get(0).get("weights");
            for (int i = 0; i < weights.size(); i++) {
                if (weights.get(i).get("name").asText().equals("bn_Conv1/gamma")) {
                    ((ObjectNode) weights.get(i)).put("name", "bn_Conv1/gamma_extra");
                }
            }
            return m;
        }, "layer 'bn_Conv1' has no weight 'bn_Conv1/gamma' in the weights manifest");
        assertTopologyFails(m -> {
            JsonNode weights = m.get("weightsManifest").get(0).get("weights");
            ((ObjectNode) weights.get(0)).putObject("quantization").put("dtype", "int4");
            return m;
        }, "has unknown quantization dtype 'int4' (TF.js knows uint8, uint16 and float16)");
    }

    @Test
    void refusesAnExistingTargetAndLeavesNothingBehindOnFailure() throws IOException {
        var builder = new KerasMobileNetV2Builder(32, List.of(new KerasMobileNetV2Builder.Dense(2, "softmax")));
        Path model = builder.write(temp.resolve("m"), true);
        Path out = Files.createDirectories(temp.resolve("out"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfjsImport.importMobileNetV2(model, out, null));
        assertEquals("import target " + out + " already exists; choose a new folder", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TfjsImport.importMobileNetV2(model, temp.resolve("new"), List.of("x")));
        assertEquals("1 class names given but " + model + " has 2 outputs", e.getMessage());
        assertEquals(List.of("m", "out"), listing(temp));
    }

    private void assertTopologyFails(UnaryOperator<ObjectNode> edit, String message) throws IOException {
        var builder = new KerasMobileNetV2Builder(32, List.of(new KerasMobileNetV2Builder.Dense(2, "softmax")));
        Path dir = Files.createTempDirectory(temp, "case");
        Path plain = builder.write(dir, false);
        ObjectNode json = (ObjectNode) KerasMobileNetV2Builder.JSON.readTree(plain.toFile());
        Files.writeString(plain, KerasMobileNetV2Builder.JSON.writeValueAsString(edit.apply(json)));
        assertFails(plain, message);
        assertFalse(Files.exists(dir.resolve("out")));
    }

    private static ObjectNode layer(ObjectNode model, String name) {
        for (JsonNode l : model.at("/modelTopology/model_config/config/layers")) {
            if (l.get("name").asText().equals(name)) {
                return (ObjectNode) l;
            }
        }
        throw new AssertionError("no layer " + name + " in the fixture");
    }

    private static ObjectNode edit(ObjectNode model, String layer, String key, Object value) {
        ObjectNode l = layer(model, layer);
        ObjectNode c = (ObjectNode) l.get("config");
        if (key.equals("name")) {
            l.put("name", (String) value);
            // The next layer's input follows the rename, so that the name itself is what is wrong.
            for (JsonNode other : model.at("/modelTopology/model_config/config/layers")) {
                for (JsonNode call : other.path("inbound_nodes").path(0)) {
                    if (call.get(0).asText().equals(layer)) {
                        ((ArrayNode) call).set(0, TextNode.valueOf((String) value));
                    }
                }
            }
        } else if (value == null) {
            c.remove(key);
        } else if (value instanceof String s) {
            c.put(key, s);
        } else if (value instanceof Boolean b) {
            c.put(key, b);
        } else {
            c.put(key, ((Number) value).doubleValue());
        }
        return model;
    }

    private void assertFails(Path model, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfjsImport.importMobileNetV2(model, model.resolveSibling("out"), null));
        assertTrue(e.getMessage().contains(message), () -> "expected '" + message + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    /** Checks {@code actual} (torch layout) against the Keras array: result axis i is Keras axis order[i]. */
    private static void expectPermuted(float[] keras, int[] kerasShape, Tensor actual, long[] shape, int[] order) {
        assertArrayEquals(shape, actual.shape());
        int rank = kerasShape.length;
        int[] stride = new int[rank];
        for (int i = rank - 1, s = 1; i >= 0; s *= kerasShape[i], i--) {
            stride[i] = s;
        }
        int[] index = new int[rank];
        float[] a = actual.floats();
        for (int o = 0; o < a.length; o++) {
            int at = 0;
            for (int i = 0; i < rank; i++) {
                at += index[i] * stride[order[i]];
            }
            if (a[o] != keras[at]) {
                throw new AssertionError("element " + o + " of " + Arrays.toString(shape) + ": " + a[o]
                        + " != Keras element " + at + " " + keras[at]);
            }
            for (int i = rank - 1; i >= 0 && ++index[i] == shape[i]; i--) {
                index[i] = 0;
            }
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

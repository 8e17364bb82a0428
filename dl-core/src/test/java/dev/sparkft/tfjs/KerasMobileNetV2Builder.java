package dev.sparkft.tfjs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a TensorFlow.js model of a Keras MobileNetV2 (width 1.0), built here layer by layer as
 * {@code keras.applications.MobileNetV2} names and wires them (ZeroPadding2D + valid for stride 2), with seeded
 * weights stored in turn as float32, uint8, uint16 and float16 (min/scale quantised), and remembers every
 * weight's decoded values in Keras layout. Either as nsfwjs ships it (model.min.js with a minified object literal,
 * group1-shard1of1.min.js with base64) or as the TF.js converter does (model.json + binary shards).
 */
final class KerasMobileNetV2Builder {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int[][] SETTING = {
            {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

    /** A Dense layer of the head: units and activation. */
    record Dense(int units, String activation) {
    }

    final int size;
    final List<Dense> head;
    final ArrayNode layers = JSON.createArrayNode();
    /** Keras name ("Conv1/kernel") -> shape, in creation order. */
    final Map<String, int[]> shapes = new LinkedHashMap<>();
    /** Keras name -> decoded values (what the importer must produce before its layout change). */
    final Map<String, float[]> values = new LinkedHashMap<>();
    private final Random random = new Random(17);
    private String previous;
    private int counter;

    KerasMobileNetV2Builder(int size, List<Dense> head) {
        this.size = size;
        this.head = head;
        ObjectNode input = layer("input_1", "InputLayer", List.of());
        ArrayNode shape = ((ObjectNode) input.get("config")).putArray("batch_input_shape");
        shape.addNull().add(size).add(size).add(3);
        previous = "input_1";
        int spatial = size;
        conv("Conv1", 3, 32, 2, false);
        spatial /= 2;
        batchNorm("bn_Conv1", 32);
        relu("Conv1_relu");
        int in = 32;
        int block = 0;
        for (int[] s : SETTING) {
            for (int r = 0; r < s[2]; r++) {
                int stride = r == 0 ? s[3] : 1;
                String p = block == 0 ? "expanded_conv" : "block_" + block;
                String blockInput = previous;
                int hidden = in * s[0];
                if (s[0] != 1) {
                    conv(p + "_expand", in, hidden, 1, false);
                    batchNorm(p + "_expand_BN", hidden);
                    relu(p + "_expand_relu");
                }
                conv(p + "_depthwise", hidden, hidden, stride, true);
                spatial /= stride;
                batchNorm(p + "_depthwise_BN", hidden);
                relu(p + "_depthwise_relu");
                conv(p + "_project", hidden, s[1], 1, false);
                batchNorm(p + "_project_BN", s[1]);
                if (stride == 1 && in == s[1]) {
                    ObjectNode add = layer(p + "_add", "Add", List.of(blockInput, previous));
                    previous = add.get("name").asText();
                }
                in = s[1];
                block++;
            }
        }
        conv("Conv_1", 320, 1280, 1, false);
        batchNorm("Conv_1_bn", 1280);
        relu("out_relu");
        ObjectNode pool = layer("average_pooling2d_1", "AveragePooling2D", List.of(previous));
        ((ObjectNode) pool.get("config")).put("padding", "valid").set("pool_size", pair(spatial));
        layer("flatten_1", "Flatten", List.of(previous));
        int features = 1280;
        for (int i = 0; i < head.size(); i++) {
            if (i > 0) {
                layer("dropout_" + i, "Dropout", List.of(previous));
            }
            String name = "dense_" + (i + 1);
            ObjectNode dense = layer(name, "Dense", List.of(previous));
            ((ObjectNode) dense.get("config")).put("units", head.get(i).units())
                    .put("activation", head.get(i).activation()).put("use_bias", true);
            weight(name + "/kernel", features, head.get(i).units());
            weight(name + "/bias", head.get(i).units());
            features = head.get(i).units();
        }
    }

    private void conv(String name, int in, int out, int stride, boolean depthwise) {
        boolean padded = stride == 2;
        if (padded) {
            // keras_applications' correct_pad for an even size: 0 before, 1 after.
            ObjectNode pad = layer(name.replace("_depthwise", "") + "_pad", "ZeroPadding2D", List.of(previous));
            ArrayNode pads = ((ObjectNode) pad.get("config")).putArray("padding");
            pads.addArray().add(0).add(1);
            pads.addArray().add(0).add(1);
        }
        int kernel = depthwise || name.equals("Conv1") ? 3 : 1;
        ObjectNode conv = layer(name, depthwise ? "DepthwiseConv2D" : "Conv2D", List.of(previous));
        ObjectNode c = (ObjectNode) conv.get("config");
        c.put("padding", padded || kernel == 1 && name.equals("Conv_1") ? "valid" : "same");
        c.set("kernel_size", pair(kernel));
        c.set("strides", pair(stride));
        c.set("dilation_rate", pair(1));
        c.put("use_bias", false).put("activation", "linear").put("data_format", "channels_last");
        if (depthwise) {
            c.put("depth_multiplier", 1);
            weight(name + "/depthwise_kernel", kernel, kernel, in, 1);
        } else {
            c.put("filters", out);
            weight(name + "/kernel", kernel, kernel, in, out);
        }
    }

    private void batchNorm(String name, int channels) {
        ObjectNode bn = layer(name, "BatchNormalization", List.of(previous));
        ((ObjectNode) bn.get("config")).put("axis", -1).put("epsilon", 0.001).put("momentum", 0.999)
                .put("center", true).put("scale", true);
        for (String kind : List.of("gamma", "beta", "moving_mean", "moving_variance")) {
            weight(name + "/" + kind, channels);
        }
    }

    private void relu(String name) {
        ObjectNode relu = layer(name, "ReLU", List.of(previous));
        ((ObjectNode) relu.get("config")).put("max_value", 6).put("negative_slope", 0).put("threshold", 0);
    }

    private ObjectNode layer(String name, String className, List<String> inbound) {
        ObjectNode l = layers.addObject();
        l.put("name", name).put("class_name", className);
        l.putObject("config").put("name", name).put("trainable", false);
        ArrayNode node = l.putArray("inbound_nodes");
        if (!inbound.isEmpty()) {
            ArrayNode calls = node.addArray();
            for (String in : inbound) {
                calls.addArray().add(in).add(0).add(0).addObject();
            }
        }
        previous = name;
        return l;
    }

    private static ArrayNode pair(int v) {
        return JSON.createArrayNode().add(v).add(v);
    }

    private void weight(String name, int... shape) {
        shapes.put(name, shape);
    }

    /** The stored form of the weight with index {@code i}: float32, uint8, uint16 or float16, in turn. */
    static String storage(int i) {
        return List.of("float32", "uint8", "uint16", "float16").get(i % 4);
    }

    /** Writes the model into {@code folder}; {@code wrapped}: nsfwjs's .min.js modules, else model.json + .bin. */
    Path write(Path folder, boolean wrapped) throws IOException {
        Files.createDirectories(folder);
        ObjectNode model = JSON.createObjectNode();
        ObjectNode topology = model.putObject("modelTopology");
        topology.put("keras_version", "2.2.4").put("backend", "tensorflow");
        ObjectNode config = topology.putObject("model_config").put("class_name", "Model").putObject("config");
        config.put("name", "model_1").set("layers", layers);
        config.putArray("input_layers").addArray().add("input_1").add(0).add(0);
        config.putArray("output_layers").addArray().add(previous).add(0).add(0);
        ObjectNode group = model.putArray("weightsManifest").addObject();
        String shard = "group1-shard1of1";
        group.putArray("paths").add(shard);
        ArrayNode specs = group.putArray("weights");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<String> names = new ArrayList<>(shapes.keySet());
        names.sort(Comparator.naturalOrder()); // the TF.js converter lists weights by name, as nsfwjs's file shows
        counter = 0;
        for (String name : names) {
            int[] shape = shapes.get(name);
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            ObjectNode spec = specs.addObject().put("name", name).put("dtype", "float32");
            ArrayNode s = spec.putArray("shape");
            for (int d : shape) {
                s.add(d);
            }
            String stored = storage(counter++);
            float[] decoded = new float[n];
            ByteBuffer bytes;
            switch (stored) {
                case "float32" -> {
                    bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        decoded[i] = (float) random.nextGaussian();
                        bytes.putFloat(decoded[i]);
                    }
                }
                case "float16" -> {
                    spec.putObject("quantization").put("dtype", "float16");
                    bytes = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        // k/256 for |k| < 2048 is exact in float16: sign, exponent and mantissa known here.
                        int k = random.nextInt(4095) - 2047;
                        decoded[i] = k / 256f;
                        bytes.putShort(half(k));
                    }
                }
                default -> {
                    boolean wide = stored.equals("uint16");
                    double min = -1 - random.nextDouble();
                    double scale = (wide ? 2.0 / 65535 : 2.0 / 255) * (0.5 + random.nextDouble());
                    spec.putObject("quantization").put("dtype", stored).put("min", min).put("scale", scale);
                    bytes = ByteBuffer.allocate((wide ? 2 : 1) * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        int q = random.nextInt(wide ? 65536 : 256);
                        decoded[i] = (float) (q * scale + min);
                        if (wide) {
                            bytes.putShort((short) q);
                        } else {
                            bytes.put((byte) q);
                        }
                    }
                }
            }
            values.put(name, decoded);
            data.writeBytes(bytes.array());
        }
        String json = JSON.writeValueAsString(model);
        if (!wrapped) {
            Files.writeString(folder.resolve("model.json"), json);
            Files.write(folder.resolve(shard), data.toByteArray());
            return folder.resolve("model.json");
        }
        Files.writeString(folder.resolve("model.min.js"), wrap("model", minify(json)));
        Files.writeString(folder.resolve(shard + ".min.js"),
                wrap("group1_shard1of1", '"' + Base64.getEncoder().encodeToString(data.toByteArray()) + '"'));
        return folder.resolve("model.min.js");
    }

    /** float16 bits of k/256 (|k| < 2048): normalised, so 1.m x 2^e with m from k's lower bits. */
    private static short half(int k) {
        if (k == 0) {
            return 0;
        }
        int sign = k < 0 ? 0x8000 : 0;
        int a = Math.abs(k);
        int top = 31 - Integer.numberOfLeadingZeros(a); // a = 2^top * 1.m
        int exponent = top - 8 + 15;                     // value = a / 2^8
        int mantissa = (a << (10 - top)) & 0x3ff;
        return (short) (sign | exponent << 10 | mantissa);
    }

    /** JSON as a minifier writes an object literal: unquoted keys, !0 / !1, no leading zero before a '.'. */
    static String minify(String json) {
        return json.replaceAll("\"([A-Za-z_$][\\w$]*)\":", "$1:")
                .replace(":true", ":!0").replace(":false", ":!1")
                .replaceAll("([:\\[,])(-?)0\\.(\\d)", "$1$2.$3");
    }

    /** A browserify standalone bundle around {@code exported}, like nsfwjs's. */
    static String wrap(String global, String exported) {
        return "!function(e){if(\"object\"==typeof exports&&\"undefined\"!=typeof module)module.exports=e();else{"
                + "(\"undefined\"!=typeof window?window:this)." + global + "=e()}}(function(){return function e(a,n,i){"
                + "var r=n[_]={exports:{}};return r}({1:[function(e,a,n){a.exports=" + exported
                + "},{}]},{},[1])(1)});";
    }

    static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}

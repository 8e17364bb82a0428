package dev.sparkft.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sparkft.model.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a Keras {@code keras.applications.MobileNetV2} (width 1.0; layer names {@code Conv1}, {@code bn_Conv1},
 * {@code expanded_conv_*}, {@code block_N_expand|depthwise|project[_BN|_relu|_pad|_add]}, {@code Conv_1},
 * {@code Conv_1_bn}, {@code out_relu}) followed by average pooling and Dense layers onto torchvision's
 * MobileNetV2 names and NCHW layouts. The layer list is checked against the architecture layer by layer (class,
 * name, input, filters, kernel, stride, padding, bias, ReLU6, batch-norm settings); anything else fails naming
 * the layer and the file, so that a model that only looks similar is never imported silently wrong.
 *
 * <p>Padding: Keras pads a stride-2 convolution explicitly ({@code ZeroPadding2D} then {@code valid}); the pads
 * must be TensorFlow SAME's for that layer's input size (0 before and 1 after on an even size), and every other
 * 3×3 convolution must be {@code same} — together TF "same" padding, the folder's {@code tf_same}.
 *
 * <p>Head: a single Dense layer after the pooling is torchvision's {@code classifier.1}. A longer head (nsfwjs:
 * Dense 1280→256 ReLU, Dropout, Dense 256→128 ReLU, Dropout, Dense 128→5 softmax) has no torchvision name; its
 * Dense layers are written as {@code head.<keras name>.weight|bias} ([out, in], as torch.nn.Linear) and listed
 * in order with their activations, so that no reader mistakes them for {@code classifier.1}.
 */
final class KerasMobileNetV2 {
    /** torchvision's inverted-residual setting (expansion t, output channels c, repeats n, first stride s). */
    private static final int[][] SETTING = {
            {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    static final int STEM_CHANNELS = 32;
    static final int LAST_CHANNELS = 1280;

    /** One Dense layer of the head, in order: its Keras name, sizes and activation ("relu", "linear", "softmax"). */
    record DenseLayer(String name, int in, int out, String activation) {
    }

    /** The imported network: torchvision-named NCHW tensors (insertion order = torchvision's), and what the folder needs. */
    record Imported(Map<String, Tensor> tensors, int height, int width, double batchNormEps, List<DenseLayer> head) {
        int numClasses() {
            return head.get(head.size() - 1).out();
        }
    }

    private record Layer(String name, String className, JsonNode config, List<String> inbound) {
    }

    private final Path file;
    private final List<Layer> layers;
    private final Map<String, Tensor> weights;
    private final Set<String> used = new LinkedHashSet<>();
    private final Map<String, Tensor> out = new LinkedHashMap<>();
    private int next;
    private String previous;
    private int height;
    private int width;
    /** Channels of the current feature map (the input's 3 at first). */
    private int channels = 3;
    private Double eps;

    private KerasMobileNetV2(Path file, List<Layer> layers, Map<String, Tensor> weights) {
        this.file = file;
        this.layers = layers;
        this.weights = weights;
    }

    /** Checks the topology of {@code modelJson} (read from {@code file}) and maps {@code weights} onto torchvision. */
    static Imported map(JsonNode modelJson, Map<String, Tensor> weights, Path file) {
        return new KerasMobileNetV2(file, layers(modelJson, file), weights).run(modelJson);
    }

    private Imported run(JsonNode modelJson) {
        Layer input = take("InputLayer", null);
        JsonNode shape = input.config().path("batch_input_shape");
        if (shape.size() != 4 || !shape.get(1).canConvertToInt() || !shape.get(2).canConvertToInt()
                || shape.get(3).asInt() != 3) {
            throw fail(input, "input shape " + shape + " is not [null, H, W, 3] (an RGB image, channels last)");
        }
        height = shape.get(1).asInt();
        width = shape.get(2).asInt();
        previous = input.name();

        conv("Conv1", "Conv2D", 3, 2, STEM_CHANNELS, "features.0.0");
        batchNorm("bn_Conv1", "features.0.1");
        relu6("Conv1_relu");
        int block = 0;
        for (int[] s : SETTING) {
            for (int r = 0; r < s[2]; r++) {
                int stride = r == 0 ? s[3] : 1;
                invertedResidual(block, channels, s[0], s[1], stride);
                block++;
            }
        }
        conv("Conv_1", "Conv2D", 1, 1, LAST_CHANNELS, "features.18.0");
        batchNorm("Conv_1_bn", "features.18.1");
        relu6("out_relu");
        List<DenseLayer> head = head();
        checkOutput(modelJson);
        Set<String> unused = new LinkedHashSet<>(weights.keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(file + ": weights " + unused + " belong to no imported layer");
        }
        return new Imported(out, shape.get(1).asInt(), shape.get(2).asInt(), eps, head);
    }

    /** Keras block 0 is {@code expanded_conv} (no expansion); block N ≥ 1 is {@code block_N}; torchvision's features.(N+1). */
    private void invertedResidual(int block, int in, int expansion, int outChannels, int stride) {
        String p = block == 0 ? "expanded_conv" : "block_" + block;
        String t = "features." + (block + 1) + ".conv.";
        String blockInput = previous;
        int hidden = in * expansion;
        int d = 0;
        if (expansion != 1) {
            conv(p + "_expand", "Conv2D", 1, 1, hidden, t + "0.0");
            batchNorm(p + "_expand_BN", t + "0.1");
            relu6(p + "_expand_relu");
            d = 1;
        } else if (block != 0) {
            throw new IllegalStateException("only torchvision's first block has no expansion");
        }
        conv(p + "_depthwise", "DepthwiseConv2D", 3, stride, hidden, t + d + ".0");
        batchNorm(p + "_depthwise_BN", t + d + ".1");
        relu6(p + "_depthwise_relu");
        conv(p + "_project", "Conv2D", 1, 1, outChannels, t + (d + 1));
        batchNorm(p + "_project_BN", t + (d + 2));
        if (stride == 1 && in == outChannels) {
            Layer add = take("Add", p + "_add");
            if (!new LinkedHashSet<>(add.inbound()).equals(Set.of(blockInput, p + "_project_BN"))) {
                throw fail(add, "adds " + add.inbound() + ", expected the block's input '" + blockInput + "' and '"
                        + p + "_project_BN'");
            }
            previous = add.name();
        }
    }

    /**
     * A Conv2D / DepthwiseConv2D without bias; stride 2 comes as ZeroPadding2D (TF SAME's pads for the current
     * size) then 'valid', stride 1 as 'same' (or 'valid' for 1×1, where they agree).
     */
    private void conv(String name, String className, int kernel, int stride, int filters, String torchName) {
        int[][] samePads = {samePad(height, kernel, stride), samePad(width, kernel, stride)};
        boolean padded = next < layers.size() && layers.get(next).className().equals("ZeroPadding2D");
        if (padded) {
            Layer pad = take("ZeroPadding2D", null);
            JsonNode p = pad.config().path("padding");
            int[][] found = {pairOf(p.path(0)), pairOf(p.path(1))};
            if (!Arrays.deepEquals(found, samePads)) {
                throw fail(pad, "pads " + p + " for a " + height + "x" + width + " input differ from TensorFlow SAME's "
                        + Arrays.deepToString(samePads));
            }
            previous = pad.name();
        }
        Layer conv = take(className, name);
        JsonNode c = conv.config();
        String padding = c.path("padding").asText();
        boolean sameOk = padded ? padding.equals("valid")
                : padding.equals("same") || (kernel == 1 && padding.equals("valid"));
        if (!sameOk) {
            throw fail(conv, "padding '" + padding + "'" + (padded ? " after ZeroPadding2D" : "")
                    + " is not TensorFlow SAME padding");
        }
        expectInts(conv, "kernel_size", kernel, kernel);
        expectInts(conv, "strides", stride, stride);
        expectInts(conv, "dilation_rate", 1, 1);
        if (c.path("use_bias").asBoolean(true)) {
            throw fail(conv, "has a bias; torchvision's MobileNetV2 convolutions have none");
        }
        if (!c.path("activation").asText("linear").equals("linear")) {
            throw fail(conv, "has activation '" + c.path("activation").asText() + "', expected linear");
        }
        if (!c.path("data_format").asText("channels_last").equals("channels_last")) {
            throw fail(conv, "data_format is not channels_last");
        }
        Tensor k;
        if (className.equals("DepthwiseConv2D")) {
            if (c.path("depth_multiplier").asInt(1) != 1) {
                throw fail(conv, "depth_multiplier " + c.path("depth_multiplier") + " is not 1");
            }
            k = weight(conv, "depthwise_kernel", kernel, kernel, filters, 1);
            out.put(torchName + ".weight", permute(k, 2, 3, 0, 1)); // H,W,C,1 -> C,1,H,W
        } else {
            if (c.path("filters").asInt() != filters) {
                throw fail(conv, "has " + c.path("filters") + " filters, expected " + filters
                        + " (only MobileNetV2 with width multiplier 1.0 is supported)");
            }
            k = weight(conv, "kernel", kernel, kernel, channels, filters);
            out.put(torchName + ".weight", permute(k, 3, 2, 0, 1)); // H,W,in,out -> out,in,H,W
        }
        height = (height + stride - 1) / stride;
        width = (width + stride - 1) / stride;
        channels = filters;
        previous = conv.name();
    }

    private void batchNorm(String name, String torchName) {
        Layer bn = take("BatchNormalization", name);
        JsonNode c = bn.config();
        int axis = c.path("axis").isArray() ? c.path("axis").path(0).asInt() : c.path("axis").asInt(-1);
        if (axis != -1 && axis != 3) {
            throw fail(bn, "normalises axis " + c.path("axis") + ", expected the channel axis (-1 or 3)");
        }
        if (!c.path("center").asBoolean(true) || !c.path("scale").asBoolean(true)) {
            throw fail(bn, "has center/scale off; torchvision's BatchNorm2d has both");
        }
        double e = c.path("epsilon").asDouble(0.001);
        if (eps != null && eps != e) {
            throw fail(bn, "epsilon " + e + " differs from the other layers' " + eps
                    + " (the folder holds one batch_norm_eps)");
        }
        eps = e;
        out.put(torchName + ".weight", weight(bn, "gamma", channels));
        out.put(torchName + ".bias", weight(bn, "beta", channels));
        out.put(torchName + ".running_mean", weight(bn, "moving_mean", channels));
        out.put(torchName + ".running_var", weight(bn, "moving_variance", channels));
        previous = bn.name();
    }

    private void relu6(String name) {
        Layer relu = take("ReLU", name);
        JsonNode c = relu.config();
        if (c.path("max_value").asDouble(Double.NaN) != 6 || c.path("negative_slope").asDouble(0) != 0
                || c.path("threshold").asDouble(0) != 0) {
            throw fail(relu, "is not ReLU6 (max_value " + c.path("max_value") + ", negative_slope "
                    + c.path("negative_slope") + ", threshold " + c.path("threshold") + ")");
        }
        previous = relu.name();
    }

    /** Global average pooling (or a valid AveragePooling2D over the whole map), an optional Flatten, then Dense/Dropout. */
    private List<DenseLayer> head() {
        Layer pool = take(null, null);
        if (pool.className().equals("AveragePooling2D")) {
            JsonNode c = pool.config();
            if (!c.path("pool_size").equals(ints(height, width)) || !c.path("padding").asText().equals("valid")) {
                throw fail(pool, "pools " + c.path("pool_size") + " with padding '" + c.path("padding").asText()
                        + "', not the whole " + height + "x" + width + " map (global average pooling)");
            }
        } else if (!pool.className().equals("GlobalAveragePooling2D")) {
            throw fail(pool, "is a " + pool.className() + ", expected global average pooling after 'out_relu'");
        }
        previous = pool.name();
        if (next < layers.size() && layers.get(next).className().equals("Flatten")) {
            previous = take("Flatten", null).name();
        }
        List<DenseLayer> head = new ArrayList<>();
        int in = LAST_CHANNELS;
        while (next < layers.size()) {
            Layer layer = take(null, null);
            switch (layer.className()) {
                case "Dropout" -> {
                    // Inference: identity.
                }
                case "Dense" -> {
                    JsonNode c = layer.config();
                    int units = c.path("units").asInt(-1);
                    String activation = c.path("activation").asText("linear");
                    if (!List.of("relu", "linear", "softmax").contains(activation)) {
                        throw fail(layer, "has activation '" + activation + "'; relu, linear or softmax are imported");
                    }
                    if (!c.path("use_bias").asBoolean(true)) {
                        throw fail(layer, "has no bias; torch.nn.Linear layers here have one");
                    }
                    head.add(new DenseLayer(layer.name(), in, units, activation));
                    in = units;
                }
                default -> throw fail(layer, "is a " + layer.className() + "; only Dense and Dropout layers may"
                        + " follow the pooling");
            }
            previous = layer.name();
        }
        if (head.isEmpty()) {
            throw new IllegalArgumentException(file + ": no Dense layer after the pooling (a backbone without a"
                    + " classifier is not imported)");
        }
        for (int i = 0; i < head.size() - 1; i++) {
            if (head.get(i).activation().equals("softmax")) {
                throw new IllegalArgumentException(file + ": Dense layer '" + head.get(i).name()
                        + "' has softmax but is not the last layer");
            }
        }
        boolean single = head.size() == 1;
        for (DenseLayer dense : head) {
            Layer layer = layers.stream().filter(l -> l.name().equals(dense.name())).findFirst().orElseThrow();
            String prefix = single ? "classifier.1" : "head." + dense.name();
            if (single && dense.activation().equals("relu")) {
                throw fail(layer, "is the only Dense layer but has a ReLU: not torchvision's linear classifier.1");
            }
            out.put(prefix + ".weight", permute(weight(layer, "kernel", dense.in(), dense.out()), 1, 0)); // in,out -> out,in
            out.put(prefix + ".bias", weight(layer, "bias", dense.out()));
        }
        return List.copyOf(head);
    }

    private void checkOutput(JsonNode modelJson) {
        JsonNode outputs = modelJson.path("modelTopology").path("model_config").path("config").path("output_layers");
        if (outputs.size() != 1 || !outputs.path(0).path(0).asText().equals(previous)) {
            throw new IllegalArgumentException(file + ": the model's outputs " + outputs + " are not the last layer '"
                    + previous + "'");
        }
    }

    /** The next layer, which must be of {@code className} and named {@code name} (null: any) and read {@code previous}. */
    private Layer take(String className, String name) {
        if (next >= layers.size()) {
            throw new IllegalArgumentException(file + ": the layer list ends after '" + previous + "'; expected "
                    + (name == null ? "a " + className : "'" + name + "' (" + className + ")"));
        }
        Layer layer = layers.get(next++);
        if (className != null && !layer.className().equals(className) || name != null && !layer.name().equals(name)) {
            throw fail(layer, "is a " + layer.className() + "; expected " + (name == null ? "a " + className
                    : "'" + name + "' (" + className + ")") + " after '" + previous + "' (not a Keras MobileNetV2)");
        }
        if (previous != null && !layer.inbound().equals(List.of(previous)) && !layer.className().equals("Add")) {
            throw fail(layer, "reads " + layer.inbound() + ", expected ['" + previous + "']");
        }
        return layer;
    }

    private Tensor weight(Layer layer, String kind, long... expected) {
        String key = layer.name() + "/" + kind;
        Tensor t = weights.get(key);
        if (t == null) {
            throw fail(layer, "has no weight '" + key + "' in the weights manifest");
        }
        if (!Arrays.equals(t.shape(), expected)) {
            throw fail(layer, "weight '" + key + "' has shape " + Arrays.toString(t.shape()) + ", expected "
                    + Arrays.toString(expected));
        }
        used.add(key);
        return t;
    }

    private void expectInts(Layer layer, String key, int a, int b) {
        JsonNode v = layer.config().path(key);
        if (v.isMissingNode() && key.equals("dilation_rate")) {
            return;
        }
        if (!v.equals(ints(a, b))) {
            throw fail(layer, key + " " + v + ", expected [" + a + "," + b + "]");
        }
    }

    private static JsonNode ints(int a, int b) {
        return JsonNodeFactory.instance.arrayNode().add(a).add(b);
    }

    private static int[] pairOf(JsonNode node) {
        if (node.isInt()) {
            return new int[] {node.asInt(), node.asInt()};
        }
        return new int[] {node.path(0).asInt(-1), node.path(1).asInt(-1)};
    }

    /** TensorFlow SAME padding (before, after) for one spatial axis. */
    static int[] samePad(int size, int kernel, int stride) {
        int outSize = (size + stride - 1) / stride;
        int total = Math.max((outSize - 1) * stride + kernel - size, 0);
        return new int[] {total / 2, total - total / 2};
    }

    /** {@code t} with its axes reordered: result axis i is source axis {@code order[i]}. */
    static Tensor permute(Tensor t, int... order) {
        long[] shape = t.shape();
        int rank = shape.length;
        long[] outShape = new long[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[order[i]];
        }
        long[] srcStride = new long[rank];
        long s = 1;
        for (int i = rank - 1; i >= 0; i--) {
            srcStride[i] = s;
            s *= shape[i];
        }
        float[] src = t.floats();
        float[] dst = new float[src.length];
        int[] index = new int[rank];
        for (int o = 0; o < dst.length; o++) {
            long at = 0;
            for (int i = 0; i < rank; i++) {
                at += index[i] * srcStride[order[i]];
            }
            dst[o] = src[(int) at];
            for (int i = rank - 1; i >= 0 && ++index[i] == outShape[i]; i--) {
                index[i] = 0;
            }
        }
        return Tensor.ofFloats(dst, outShape);
    }

    private IllegalArgumentException fail(Layer layer, String problem) {
        return new IllegalArgumentException(file + ": layer '" + layer.name() + "' " + problem);
    }

    private static List<Layer> layers(JsonNode modelJson, Path file) {
        if (modelJson.path("format").asText().equals("graph-model") || modelJson.path("modelTopology").has("node")) {
            // nsfwjs's mobilenet_v2_mid is one: TF ops and constants, no Keras layers to check and map.
            throw new IllegalArgumentException(file + ": a TensorFlow.js graph model (a GraphDef of ops), not a Keras"
                    + " layers model; only layers models (format layers-model, modelTopology.model_config) are imported");
        }
        JsonNode config = modelJson.path("modelTopology").path("model_config");
        String modelClass = config.path("class_name").asText();
        if (!modelClass.equals("Model") && !modelClass.equals("Functional")) {
            throw new IllegalArgumentException(file + ": model_config is a '" + modelClass
                    + "', expected a Keras functional Model");
        }
        List<Layer> list = new ArrayList<>();
        for (JsonNode l : config.path("config").path("layers")) {
            List<String> inbound = new ArrayList<>();
            JsonNode nodes = l.path("inbound_nodes");
            if (nodes.size() > 1) {
                throw new IllegalArgumentException(file + ": layer '" + l.path("name").asText()
                        + "' is called more than once (shared layers are not imported)");
            }
            for (JsonNode in : nodes.path(0)) {
                inbound.add(in.path(0).asText());
            }
            list.add(new Layer(l.path("name").asText(), l.path("class_name").asText(), l.path("config"), inbound));
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException(file + ": modelTopology.model_config.config.layers is empty or missing");
        }
        return list;
    }
}

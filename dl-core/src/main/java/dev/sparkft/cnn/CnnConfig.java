package dev.sparkft.cnn;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What a CNN folder's {@code config.json} says: the architecture, the classes, the input image (channels, height,
 * width) and its normalisation, batch-norm epsilon, padding convention and stem. Pixels reach the network as uint8
 * C×H×W, scaled to [0, 1], then {@code (x - mean) / std} per channel.
 *
 * @param padding {@link Padding#SYMMETRIC} (torchvision: k/2 on every side) or {@link Padding#TF_SAME}
 *                (TensorFlow's SAME: for stride 2 on an even size, 0 before and 1 after), for imported Keras models
 * @param stem    {@link Stem#IMAGENET} (ResNet conv1 7×7/2 + max-pool; MobileNetV2 stride 2) or {@link Stem#SMALL}
 *                for 28–64 px inputs (ResNet conv1 3×3/1 without max-pool; MobileNetV2 stride 1), same names
 * @param head    empty for torchvision's classifier ({@code fc} / {@code classifier.1}); otherwise the dense layers
 *                an imported model classifies with (nsfwjs's MobileNetV2 has three), in order
 */
public record CnnConfig(CnnArchitecture architecture, List<String> classNames, int channels, int height, int width,
        List<Double> mean, List<Double> std, double batchNormEps, Padding padding, Stem stem, List<HeadLayer> head)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String MODEL_TYPE = "sparkft-cnn";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> KEYS = Set.of("model_type", "architecture", "num_classes", "class_names",
            "image_size", "mean", "std", "batch_norm_eps", "padding", "stem", "head");

    /**
     * One dense layer of an imported classifier head: {@code name.weight} [out, in] and {@code name.bias} [out],
     * followed by ReLU ({@code relu}) or nothing ({@code linear}; a final {@code softmax} is taken as linear: the
     * model's logits are its input).
     */
    public record HeadLayer(String name, int in, int out, String activation) implements Serializable {
        private static final long serialVersionUID = 1L;

        public HeadLayer {
            if (!List.of("relu", "linear", "softmax").contains(activation)) {
                throw new IllegalArgumentException("head layer '" + name + "' has activation '" + activation
                        + "'; use relu, linear or softmax");
            }
        }
    }

    /** torchvision's single linear classifier. */
    public CnnConfig(CnnArchitecture architecture, List<String> classNames, int channels, int height, int width,
            List<Double> mean, List<Double> std, double batchNormEps, Padding padding, Stem stem) {
        this(architecture, classNames, channels, height, width, mean, std, batchNormEps, padding, stem, List.of());
    }

    public enum Padding {
        SYMMETRIC("symmetric"), TF_SAME("tf_same");

        private final String jsonName;

        Padding(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    public enum Stem {
        IMAGENET("imagenet"), SMALL("small");

        private final String jsonName;

        Stem(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }
    }

    public CnnConfig {
        classNames = List.copyOf(classNames);
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (classNames.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classNames);
        }
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be positive, got [" + channels + ", " + height + ", "
                    + width + "]");
        }
        if (mean.size() != channels || std.size() != channels) {
            throw new IllegalArgumentException("mean " + mean + " and std " + std + " need one value per channel ("
                    + channels + ")");
        }
        for (double s : std) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("std values must be finite and > 0, got " + std);
            }
        }
        if (!(batchNormEps > 0)) {
            throw new IllegalArgumentException("batch_norm_eps must be > 0, got " + batchNormEps);
        }
        head = List.copyOf(head);
        int in = architecture.features();
        for (int i = 0; i < head.size(); i++) {
            HeadLayer l = head.get(i);
            boolean last = i == head.size() - 1;
            if (l.in() != in || (last && l.out() != classNames.size()) || (!last && l.activation().equals("softmax"))) {
                throw new IllegalArgumentException("head layer '" + l.name() + "' (" + l.in() + " -> " + l.out() + ", "
                        + l.activation() + ") does not chain: expected " + in + " inputs"
                        + (last ? " and " + classNames.size() + " outputs (the classes)" : " and no softmax before the last"));
            }
            in = l.out();
        }
        if (architecture.isResNet() && padding == Padding.TF_SAME) {
            throw new IllegalArgumentException("padding tf_same is for imported Keras MobileNetV2 models; "
                    + architecture.optionName() + " uses symmetric padding");
        }
    }

    public int numClasses() {
        return classNames.size();
    }

    /** Values per image: channels × height × width. */
    public int pixelsPerImage() {
        return Math.multiplyExact(Math.multiplyExact(channels, height), width);
    }

    /** Every tensor of this network, in order. */
    public List<CnnArchitecture.Named> tensors() {
        List<CnnArchitecture.Named> all = architecture.tensors(channels, numClasses(), stem);
        if (head.isEmpty()) {
            return all;
        }
        List<CnnArchitecture.Named> out = new ArrayList<>(all.subList(0, all.size() - 2)); // torchvision's classifier
        for (HeadLayer l : head) {
            out.add(new CnnArchitecture.Named(l.name() + ".weight", new long[] {l.out(), l.in()},
                    CnnArchitecture.Role.LINEAR_WEIGHT));
            out.add(new CnnArchitecture.Named(l.name() + ".bias", new long[] {l.out()}, CnnArchitecture.Role.LINEAR_BIAS));
        }
        return out;
    }

    /** The names every classifier tensor starts with: torchvision's, or the common prefix of an imported head. */
    public List<String> headPrefixes() {
        return head.isEmpty() ? List.of(architecture.headPrefix()) : head.stream().map(l -> l.name() + ".").toList();
    }

    /** The same backbone for another input size or other classes (what fine-tuning changes), head kept. */
    public CnnConfig with(List<String> classes, int c, int h, int w, List<Double> newMean, List<Double> newStd) {
        return new CnnConfig(architecture, classes, c, h, w, newMean, newStd, batchNormEps, padding, stem, head);
    }

    /** The same backbone with torchvision's single linear classifier for {@code classes}. */
    public CnnConfig withNewHead(List<String> classes) {
        return new CnnConfig(architecture, classes, channels, height, width, mean, std, batchNormEps, padding, stem,
                List.of());
    }

    /** Reads and checks a config.json; every problem names the file and the key. */
    public static CnnConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw invalid(file, "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid(file, "is not a JSON object");
        }
        if (!MODEL_TYPE.equals(root.path("model_type").asText())) {
            throw invalid(file, "has model_type '" + root.path("model_type").asText() + "', not '" + MODEL_TYPE
                    + "' (is it a CNN folder written by SparkFT or its importers?)");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw invalid(file, "has unknown key '" + key + "'; known keys: " + KEYS);
            }
        }
        try {
            CnnArchitecture architecture = CnnArchitecture.of(text(root, file, "architecture"), "key 'architecture'");
            List<String> names = new ArrayList<>();
            for (JsonNode n : array(root, file, "class_names")) {
                names.add(n.asText());
            }
            int classes = root.path("num_classes").asInt(-1);
            if (classes != names.size()) {
                throw invalid(file, "has num_classes " + root.path("num_classes") + " but " + names.size()
                        + " class_names");
            }
            List<Double> size = numbers(root, file, "image_size");
            if (size.size() != 3) {
                throw invalid(file, "key 'image_size' must be [channels, height, width], got " + size);
            }
            double eps = root.path("batch_norm_eps").asDouble(1e-5);
            Padding padding = choice(root, file, "padding", Padding.values(), Padding::jsonName, Padding.SYMMETRIC);
            Stem stem = choice(root, file, "stem", Stem.values(), Stem::jsonName, Stem.IMAGENET);
            List<HeadLayer> head = new ArrayList<>();
            if (root.has("head")) {
                for (JsonNode l : array(root, file, "head")) {
                    head.add(new HeadLayer(l.path("name").asText(), l.path("in_features").asInt(-1),
                            l.path("out_features").asInt(-1), l.path("activation").asText()));
                }
            }
            return new CnnConfig(architecture, names, size.get(0).intValue(), size.get(1).intValue(),
                    size.get(2).intValue(), numbers(root, file, "mean"), numbers(root, file, "std"), eps, padding, stem,
                    head);
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw invalid(file, e.getMessage());
        }
    }

    /** Writes this config as config.json (the caller writes into a temporary folder, then renames it). */
    public void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("model_type", MODEL_TYPE);
        root.put("architecture", architecture.optionName());
        root.put("num_classes", numClasses());
        classNames.forEach(root.putArray("class_names")::add);
        root.putArray("image_size").add(channels).add(height).add(width);
        mean.forEach(root.putArray("mean")::add);
        std.forEach(root.putArray("std")::add);
        root.put("batch_norm_eps", batchNormEps);
        root.put("padding", padding.jsonName());
        root.put("stem", stem.jsonName());
        if (!head.isEmpty()) {
            var layers = root.putArray("head");
            for (HeadLayer l : head) {
                layers.addObject().put("name", l.name()).put("in_features", l.in()).put("out_features", l.out())
                        .put("activation", l.activation());
            }
        }
        Files.writeString(file, JSON.writeValueAsString(root) + "\n");
    }

    private static String text(JsonNode root, Path file, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual()) {
            throw invalid(file, "key '" + key + "' must be a string");
        }
        return n.asText();
    }

    private static JsonNode array(JsonNode root, Path file, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isArray()) {
            throw invalid(file, "key '" + key + "' must be an array");
        }
        return n;
    }

    private static List<Double> numbers(JsonNode root, Path file, String key) {
        List<Double> out = new ArrayList<>();
        for (JsonNode n : array(root, file, key)) {
            if (!n.isNumber()) {
                throw invalid(file, "key '" + key + "' must hold numbers, found " + n);
            }
            out.add(n.asDouble());
        }
        return out;
    }

    private static <E> E choice(JsonNode root, Path file, String key, E[] values,
            java.util.function.Function<E, String> name, E dflt) {
        if (!root.has(key)) {
            return dflt;
        }
        String given = root.get(key).asText();
        for (E e : values) {
            if (name.apply(e).equals(given)) {
                return e;
            }
        }
        throw invalid(file, "key '" + key + "' is '" + given + "'; use one of "
                + java.util.Arrays.stream(values).map(name).toList());
    }

    private static IllegalArgumentException invalid(Path file, String problem) {
        return new IllegalArgumentException(file + " " + problem);
    }
}

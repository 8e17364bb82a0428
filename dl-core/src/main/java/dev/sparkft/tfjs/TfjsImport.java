package dev.sparkft.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Imports a TensorFlow.js Keras MobileNetV2 (such as nsfwjs's {@code dist/models/mobilenet_v2}) as a SparkFT CNN
 * folder: {@code config.json} ({@code model_type} sparkft-cnn, architecture mobilenet_v2, padding tf_same, the
 * model's batch-norm epsilon, image size, class names, mean/std) and {@code model.safetensors} (F32, torchvision
 * names, NCHW). Pixels: nsfwjs feeds {@code uint8 / 255} with no mean or std, hence mean 0 and std 1.
 */
public final class TfjsImport {
    static final String CONFIG = "config.json";
    static final String WEIGHTS = "model.safetensors";
    /** nsfwjs's class list, {@code dist/cjs/nsfw_classes.js}, two folders up from {@code dist/models/NAME}. */
    static final String NSFWJS_CLASSES = "../../cjs/nsfw_classes.js";
    private static final Pattern CLASS_ENTRY = Pattern.compile("(\\d+)\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was written. {@code head} lists the Dense layers after the pooling (one: torchvision's classifier.1). */
    public record Result(Path folder, Path source, int tensors, long parameters, List<String> classNames,
                         int height, int width, double batchNormEps, List<String> head) {
    }

    private TfjsImport() {
    }

    /**
     * Reads the model in {@code input} (a folder with model.json or model.min.js, or that file) and writes the
     * folder {@code output}, which must not exist, through a temporary sibling renamed at the end.
     * {@code classNames} null or empty: nsfwjs's class list when the model sits in an nsfwjs package, else
     * {@code class_0 ...}.
     */
    public static Result importMobileNetV2(Path input, Path output, List<String> classNames) throws IOException {
        Path target = output.toAbsolutePath();
        if (Files.exists(target)) {
            throw new IllegalArgumentException("import target " + target + " already exists; choose a new folder");
        }
        Path modelFile = TfjsModelFiles.modelFile(input).toAbsolutePath();
        JsonNode modelJson = TfjsModelFiles.readModelJson(modelFile);
        Map<String, Tensor> weights = TfjsModelFiles.readWeights(modelJson, modelFile.getParent(), modelFile);
        KerasMobileNetV2.Imported net = KerasMobileNetV2.map(modelJson, weights, modelFile);
        List<String> names = classNames(classNames, modelFile, net.numClasses());

        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "sparkft-cnn");
        config.put("architecture", "mobilenet_v2");
        config.put("num_classes", net.numClasses());
        names.forEach(config.putArray("class_names")::add);
        config.putArray("image_size").add(3).add(net.height()).add(net.width());
        config.putArray("mean").add(0.0).add(0.0).add(0.0);
        config.putArray("std").add(1.0).add(1.0).add(1.0);
        config.put("batch_norm_eps", net.batchNormEps());
        config.put("padding", "tf_same");
        List<String> head = new ArrayList<>();
        if (net.head().size() > 1) {
            // Not torchvision's classifier: spelled out so that a reader builds exactly these layers.
            ArrayNode layers = config.putArray("head");
            for (KerasMobileNetV2.DenseLayer d : net.head()) {
                layers.addObject().put("name", "head." + d.name()).put("in_features", d.in())
                        .put("out_features", d.out()).put("activation", d.activation());
            }
        }
        for (KerasMobileNetV2.DenseLayer d : net.head()) {
            head.add(d.name() + " " + d.in() + "->" + d.out() + " " + d.activation());
        }

        long parameters = 0;
        for (Tensor t : net.tensors().values()) {
            parameters += t.floats().length;
        }
        Files.createDirectories(target.getParent());
        Path temporary = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp");
        boolean done = false;
        try {
            // Provenance in the weights' metadata: config.json holds only the keys CNN folder readers know.
            Map<String, String> metadata = Map.of("format", "pt", "source", "TensorFlow.js " + modelFile + " (Keras "
                    + modelJson.path("modelTopology").path("keras_version").asText("?") + ")");
            SafeTensors.write(temporary.resolve(WEIGHTS), net.tensors(), metadata, SafeTensors.Dtype.F32);
            Files.writeString(temporary.resolve(CONFIG), JSON.writeValueAsString(config) + "\n", StandardCharsets.UTF_8);
            makeReadable(temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) {
                deleteRecursively(temporary);
            }
        }
        return new Result(target, modelFile, net.tensors().size(), parameters, names, net.height(), net.width(),
                net.batchNormEps(), List.copyOf(head));
    }

    private static List<String> classNames(List<String> given, Path modelFile, int numClasses) throws IOException {
        if (given != null && !given.isEmpty()) {
            if (given.size() != numClasses) {
                throw new IllegalArgumentException(given.size() + " class names given but " + modelFile
                        + " has " + numClasses + " outputs");
            }
            return List.copyOf(given);
        }
        Path nsfwjs = modelFile.getParent().resolve(NSFWJS_CLASSES).normalize();
        if (Files.isRegularFile(nsfwjs)) {
            Map<Integer, String> found = new TreeMap<>();
            Matcher m = CLASS_ENTRY.matcher(Files.readString(nsfwjs, StandardCharsets.UTF_8));
            while (m.find()) {
                found.put(Integer.parseInt(m.group(1)), m.group(2));
            }
            if (found.size() != numClasses || !found.keySet().equals(indices(numClasses))) {
                throw new IllegalArgumentException(nsfwjs + " lists classes " + found + " but " + modelFile + " has "
                        + numClasses + " outputs; give the class names explicitly");
            }
            return List.copyOf(found.values());
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) {
            names.add("class_" + i);
        }
        return names;
    }

    private static Set<Integer> indices(int n) {
        Set<Integer> set = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            set.add(i);
        }
        return set;
    }

    /** Temporary folders are created 0700 and files 0600; an imported model is for others to read. */
    private static void makeReadable(Path folder) throws IOException {
        if (!folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static void deleteRecursively(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

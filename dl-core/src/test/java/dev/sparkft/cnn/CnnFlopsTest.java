package dev.sparkft.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.bert.Precision;
import dev.sparkft.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CnnFlops} against PyTorch's count (FlopCounterMode on scripts/reference/cnn_models.py's torchvision-shaped
 * networks: scripts/reference/cnn_flops.py), forward and training, exactly: the four architectures, both stems, odd
 * image sizes (strides round up), TensorFlow padding with an imported head, and frozen prefixes, including one that
 * freezes a convolution but not the batch norm after it (the layers after still need input gradients).
 */
class CnnFlopsTest {
    @TempDir
    Path dir;

    private record Case(CnnConfig config, List<String> freeze) {
        CnnModelOptions model() {
            return new CnnModelOptions(config, BatchNormMode.FROZEN, 1, freeze, Precision.FP32);
        }
    }

    private static CnnConfig config(CnnArchitecture a, int classes, int h, int w, CnnConfig.Padding padding,
            CnnConfig.Stem stem, List<CnnConfig.HeadLayer> head) {
        List<String> names = IntStream.range(0, classes).mapToObj(i -> "c" + i).toList();
        return new CnnConfig(a, names, 3, h, w, List.of(0.5, 0.5, 0.5), List.of(0.25, 0.25, 0.25), 1e-5, padding,
                stem, head);
    }

    @Test
    void matchesPyTorchsFlopCounter() throws Exception {
        Path python = PythonReference.require(CnnFlopsTest.class);
        CnnConfig.Padding sym = CnnConfig.Padding.SYMMETRIC;
        CnnConfig.Stem imagenet = CnnConfig.Stem.IMAGENET;
        CnnConfig.Stem small = CnnConfig.Stem.SMALL;
        List<Case> cases = List.of(
                new Case(config(CnnArchitecture.RESNET18, 10, 224, 224, sym, imagenet, List.of()), List.of()),
                new Case(config(CnnArchitecture.RESNET18, 3, 67, 45, sym, imagenet, List.of()), List.of("conv1.")),
                new Case(config(CnnArchitecture.RESNET34, 10, 32, 32, sym, small, List.of()), List.of()),
                new Case(config(CnnArchitecture.RESNET50, 5, 64, 64, sym, imagenet, List.of()),
                        List.of("conv1.", "bn1.", "layer1.", "layer2.0.conv")),
                new Case(config(CnnArchitecture.MOBILENET_V2, 10, 224, 224, sym, imagenet, List.of()), List.of()),
                new Case(config(CnnArchitecture.MOBILENET_V2, 4, 33, 35, sym, small, List.of()),
                        List.of("features.0.", "features.1.", "features.2.conv.0.")),
                new Case(config(CnnArchitecture.MOBILENET_V2, 5, 96, 96, CnnConfig.Padding.TF_SAME, imagenet, List.of(
                        new CnnConfig.HeadLayer("dense_1", 1280, 64, "relu"),
                        new CnnConfig.HeadLayer("dense_2", 64, 5, "softmax"))), List.of()));
        ObjectMapper json = new ObjectMapper();
        ArrayNode in = json.createArrayNode();
        for (Case c : cases) {
            Path folder = Files.createDirectories(dir.resolve("case" + in.size()));
            c.config().write(folder.resolve("config.json"));
            ObjectNode n = in.addObject().put("kind", "cnn");
            n.set("config", json.readTree(folder.resolve("config.json").toFile()));
            c.freeze().forEach(f -> n.withArray("freeze").add(f));
        }
        JsonNode ref = PythonReference.runJson(python, Duration.ofSeconds(300), "cnn_flops.py", dir, in);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            JsonNode r = ref.get(i);
            String what = c.config().architecture().optionName() + " " + c.config().height() + "x"
                    + c.config().width() + " " + c.config().stem() + " freeze " + c.freeze();
            long parameters = c.config().tensors().stream().filter(t -> !t.role().isRunningStatistic())
                    .mapToLong(t -> Arrays.stream(t.shape()).reduce(1, Math::multiplyExact)).sum();
            assertEquals(r.get("parameters").asLong(), parameters, what + ": the reference is another network");
            assertEquals(r.get("forward").asDouble(), CnnFlops.forward(c.model()), 0, what + " forward");
            assertEquals(r.get("training").asDouble(), CnnFlops.training(c.model()), 0, what + " training");
            assertEquals(CnnFlops.training(c.model()), c.model().trainingFlopsPerExample(Map.of()), 0);
            boolean grouped = c.config().architecture() == CnnArchitecture.MOBILENET_V2;
            // torch's raw total over-counts only grouped convolutions' weight gradients.
            assertTrue(grouped ? r.get("training_torch").asDouble() > r.get("training").asDouble()
                    : r.get("training_torch").asDouble() == r.get("training").asDouble(), what + " " + r);
        }
        // torchvision's published sizes: ResNet-18 1.82 G multiply-adds, MobileNetV2 0.30 G, at 224 px.
        assertEquals(1.82e9, CnnFlops.forward(cases.get(0).model()) / 2, 0.01e9);
        assertEquals(0.30e9, CnnFlops.forward(cases.get(4).model()) / 2, 0.01e9);
    }
}

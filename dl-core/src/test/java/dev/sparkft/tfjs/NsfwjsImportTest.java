package dev.sparkft.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.cnn.CnnArchitecture;
import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.Tensor;
import dev.sparkft.testing.ChildProcess;
import dev.sparkft.testing.PythonReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real nsfwjs@4.3.0 MobileNetV2, from the cache scripts/fetch-nsfwjs.sh fills ({@code -Dsparkft.nsfwjs}, else
 * {@code $SPARKFT_NSFWJS}, else {@code ~/sparkft-data/nsfwjs-4.3.0}); skipped with a warning when it is absent.
 */
class NsfwjsImportTest {
    @TempDir
    Path temp;

    static Path nsfwjsModel(String name) {
        String property = System.getProperty("sparkft.nsfwjs");
        String environment = System.getenv("SPARKFT_NSFWJS");
        Path cache = property != null && !property.isBlank() ? Path.of(property)
                : environment != null && !environment.isBlank() ? Path.of(environment)
                : Path.of(System.getProperty("user.home"), "sparkft-data", "nsfwjs-4.3.0");
        Path model = cache.resolve("node_modules/nsfwjs/dist/models").resolve(name);
        if (!Files.isRegularFile(model.resolve("model.min.js"))) {
            String message = "no nsfwjs cache at " + cache + ": run scripts/fetch-nsfwjs.sh";
            System.err.println("WARNING: " + NsfwjsImportTest.class.getSimpleName() + " SKIPS the real nsfwjs model: "
                    + message);
            Assumptions.abort(message);
        }
        return model;
    }

    /**
     * The proof of the import: the folder, run through the hand-written PyTorch MobileNetV2
     * (scripts/reference/cnn_models.py, TF SAME padding, eps 0.001) and the Dense head, gives the logits TF.js
     * computed for nsfwjs on 8 real images (the committed fixture; scripts/reference/make_tfjs_fixture.sh).
     */
    @Test
    void importedLogitsEqualTensorFlowJsOnRealImages() throws Exception {
        Path model = nsfwjsModel("mobilenet_v2");
        Path python = PythonReference.require(NsfwjsImportTest.class);
        Path out = temp.resolve("nsfw-mobilenet");
        TfjsImport.importMobileNetV2(model, out, null);
        Path fixture = Path.of("src/test/resources/tfjs/nsfwjs_mobilenet_v2").toAbsolutePath();
        ChildProcess.Result r = PythonReference.run(python, Duration.ofMinutes(5), "check_tfjs_import.py",
                out.toString(), fixture.resolve("images.u8.gz").toString(), fixture.resolve("tfjs_logits.json").toString(),
                "--tolerance", "1e-4");
        assertEquals(0, r.exitCode(), r.tail());
        String json = r.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
        JsonNode result = new ObjectMapper().readTree(json);
        assertEquals(8, result.get("images").asInt());
        assertTrue(result.get("same_argmax").asBoolean());
        double diff = result.get("max_abs_diff_fp32").asDouble();
        System.err.println("nsfwjs MobileNetV2 import vs TF.js: max abs logit difference " + diff + " (fp32)");
        assertTrue(diff <= 1e-4, json);
    }

    @Test
    void refusesNsfwjsGraphModelAndInceptionWithTheReason() throws IOException {
        Path mid = nsfwjsModel("mobilenet_v2_mid");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfjsImport.importMobileNetV2(mid, temp.resolve("mid"), null));
        assertEquals(mid.resolve("model.min.js") + ": a TensorFlow.js graph model (a GraphDef of ops), not a Keras"
                + " layers model; only layers models (format layers-model, modelTopology.model_config) are imported",
                e.getMessage());
        Path inception = nsfwjsModel("inception_v3");
        e = assertThrows(IllegalArgumentException.class,
                () -> TfjsImport.importMobileNetV2(inception, temp.resolve("inception"), null));
        assertTrue(e.getMessage().startsWith(inception.resolve("model.min.js") + ": layer 'conv2d_1' is a Conv2D;"
                + " expected 'Conv1' (Conv2D) after 'input_1' (not a Keras MobileNetV2)"), e.getMessage());
        assertEquals(List.of(), listing());
    }

    private static List<String> sortedKeys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys.stream().sorted().toList();
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(temp)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void importsNsfwjsMobileNetV2WithTorchvisionNamesAndShapes() throws Exception {
        Path out = temp.resolve("nsfw-mobilenet");
        TfjsImport.Result result = TfjsImport.importMobileNetV2(nsfwjsModel("mobilenet_v2"), out, null);

        assertEquals(List.of("Drawing", "Hentai", "Neutral", "Porn", "Sexy"), result.classNames());
        assertEquals(0.001, result.batchNormEps());
        assertEquals(List.of("dense_1 1280->256 relu", "dense_2 256->128 relu", "dense_3 128->5 softmax"),
                result.head());
        Map<String, long[]> shapes = SafeTensors.readShapes(out.resolve("model.safetensors"));
        // 52 conv/BN modules of torchvision's features (52 convs + 52 BNs x 4) = 260 tensors, plus 3 Dense x 2.
        assertEquals(266, shapes.size());
        assertEquals(266, result.tensors());
        long backbone = 0;
        long all = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            all += n;
            if (e.getKey().startsWith("features.")) {
                backbone += n;
            }
        }
        // torchvision's MobileNetV2 features: 2,223,872 parameters + 34,112 running statistics.
        assertEquals(2_257_984, backbone);
        assertEquals(2_619_461, all);
        assertArrayEquals(new long[] {32, 3, 3, 3}, shapes.get("features.0.0.weight"));
        assertArrayEquals(new long[] {32, 1, 3, 3}, shapes.get("features.1.conv.0.0.weight"));
        assertArrayEquals(new long[] {16, 32, 1, 1}, shapes.get("features.1.conv.1.weight"));
        assertArrayEquals(new long[] {16}, shapes.get("features.1.conv.2.running_var"));
        assertArrayEquals(new long[] {96, 16, 1, 1}, shapes.get("features.2.conv.0.0.weight"));
        assertArrayEquals(new long[] {96, 1, 3, 3}, shapes.get("features.2.conv.1.0.weight"));
        assertArrayEquals(new long[] {24, 96, 1, 1}, shapes.get("features.2.conv.2.weight"));
        assertArrayEquals(new long[] {24}, shapes.get("features.2.conv.3.bias"));
        assertArrayEquals(new long[] {320, 960, 1, 1}, shapes.get("features.17.conv.2.weight"));
        assertArrayEquals(new long[] {1280, 320, 1, 1}, shapes.get("features.18.0.weight"));
        assertArrayEquals(new long[] {1280}, shapes.get("features.18.1.running_mean"));
        assertArrayEquals(new long[] {256, 1280}, shapes.get("head.dense_1.weight"));
        assertArrayEquals(new long[] {128, 256}, shapes.get("head.dense_2.weight"));
        assertArrayEquals(new long[] {5, 128}, shapes.get("head.dense_3.weight"));
        assertArrayEquals(new long[] {5}, shapes.get("head.dense_3.bias"));

        // The backbone is exactly the CNN engine's MobileNetV2 (names, shapes, order); only the head differs.
        List<String> expected = new ArrayList<>();
        for (CnnArchitecture.Named t : CnnArchitecture.MOBILENET_V2.tensors(3, 5, CnnConfig.Stem.IMAGENET)) {
            if (t.name().startsWith("features.")) {
                expected.add(t.name() + Arrays.toString(t.shape()));
                assertArrayEquals(t.shape(), shapes.get(t.name()), t.name());
            }
        }
        List<String> imported = new ArrayList<>();
        shapes.forEach((k, v) -> {
            if (k.startsWith("features.")) {
                imported.add(k + Arrays.toString(v));
            }
        });
        assertEquals(expected, imported);

        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("sparkft-cnn", config.get("model_type").asText());
        assertEquals("mobilenet_v2", config.get("architecture").asText());
        assertEquals("tf_same", config.get("padding").asText());
        assertEquals(5, config.get("num_classes").asInt());
        assertEquals("[3,224,224]", config.get("image_size").toString());
        assertEquals("[0.0,0.0,0.0]", config.get("mean").toString());
        assertEquals("[1.0,1.0,1.0]", config.get("std").toString());
        assertEquals(3, config.get("head").size());
        assertEquals("relu", config.get("head").get(0).get("activation").asText());
        assertEquals(List.of("architecture", "batch_norm_eps", "class_names", "head", "image_size", "mean",
                "model_type", "num_classes", "padding", "std"), sortedKeys(config));
        assertTrue(SafeTensors.readMetadata(out.resolve("model.safetensors")).get("source")
                .endsWith("mobilenet_v2/model.min.js (Keras 2.2.4)"));

        // Every imported value is a dequantised uint8 (min + scale * q): finite, and BN variances positive.
        Map<String, Tensor> tensors = SafeTensors.read(out.resolve("model.safetensors"));
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            for (float v : e.getValue().floats()) {
                assertTrue(Float.isFinite(v), e.getKey());
                if (e.getKey().endsWith("running_var")) {
                    assertTrue(v >= 0, e.getKey() + " has a negative variance " + v);
                }
            }
        }
    }
}

package dev.sparkft.engine.djl.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.testing.Models;
import dev.sparkft.tfjs.TfjsImport;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pretrained nsfwjs@4.3.0 MobileNetV2 (TensorFlow.js), imported into a CNN folder and run by this engine,
 * gives TensorFlow.js's own logits on 8 real images (dl-core's committed fixture, from TF.js's pure-JS CPU backend)
 * within {@value #TOLERANCE}, with the same top class; and fine-tuning it with a new head keeps the backbone's
 * weights and starts a fresh torchvision classifier. Needs scripts/fetch-nsfwjs.sh's cache; skipped with a warning
 * without it (CI fetches it).
 */
class NsfwjsMobileNetTest {
    private static final double TOLERANCE = 1e-4;
    private static final String FIXTURE = "tfjs/nsfwjs_mobilenet_v2/";

    @TempDir
    Path temp;

    @Test
    void engineGivesTensorFlowJsLogitsOnRealImages() throws Exception {
        Path folder = imported();
        JsonNode expected;
        try (InputStream in = resource("tfjs_logits.json")) {
            expected = new ObjectMapper().readTree(in).get("logits");
        }
        int n = expected.size();
        int pixels = 3 * 224 * 224;
        float[] scaled = new float[n * pixels];
        try (InputStream in = new GZIPInputStream(resource("images.u8.gz"))) {
            byte[] bytes = in.readAllBytes();
            assertEquals(scaled.length, bytes.length, "fixture images");
            for (int i = 0; i < bytes.length; i++) {
                scaled[i] = (bytes[i] & 0xff) / 255f;
            }
        }
        Batch batch = new Batch(Map.of(DjlCnnModel.PIXELS, Tensor.ofFloats(scaled, n, pixels)));
        ModelSpec spec = spec(folder, 5, "keep");
        double worst = 0;
        try (TrainableModel model = Models.create(spec)) {
            model.setParameters(Models.initial(spec));
            float[] logits = model.predict(batch).floats();
            for (int i = 0; i < n; i++) {
                int ours = 0;
                int theirs = 0;
                for (int c = 0; c < 5; c++) {
                    double e = expected.get(i).get(c).asDouble();
                    worst = Math.max(worst, Math.abs(logits[i * 5 + c] - e));
                    ours = logits[i * 5 + c] > logits[i * 5 + ours] ? c : ours;
                    theirs = e > expected.get(i).get(theirs).asDouble() ? c : theirs;
                }
                assertEquals(theirs, ours, "top class of image " + i);
            }
        }
        System.out.printf("nsfwjs MobileNetV2 on the djl-pytorch engine vs TensorFlow.js, %d real images: max |logit"
                + " diff| %.2e%n", n, worst);
        assertTrue(worst <= TOLERANCE, "max |logit diff| " + worst);
    }

    @Test
    void newHeadKeepsTheBackboneAndStartsTorchvisionsClassifier() throws Exception {
        Path folder = imported();
        float[] keep = Models.initial(spec(folder, 5, "keep"));
        ModelSpec fresh = spec(folder, 10, "new");
        try (TrainableModel model = Models.create(fresh)) {
            float[] start = Models.initial(fresh);
            var layout = model.layout();
            var last = layout.segments().get(layout.segments().size() - 1);
            assertEquals("classifier.1.bias", last.name());
            assertEquals(List.of(10L), List.of(last.shape()[0]));
            var stem = layout.segment("features.0.0.weight");
            for (long i = stem.offset(); i < stem.end(); i++) {
                assertEquals(keep[(int) i], start[(int) i], "backbone weight " + i);
            }
        }
    }

    private Path imported() throws Exception {
        Path model = nsfwjsModel();
        Path out = temp.resolve("nsfwjs");
        if (!Files.exists(out)) {
            TfjsImport.importMobileNetV2(model, out, null);
        }
        return out;
    }

    private static ModelSpec spec(Path folder, int classes, String head) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("task", "image-classification");
        options.put("weights", folder.toString());
        options.put("numLabels", classes);
        options.put("head", head);
        return new ModelSpec("djl-pytorch", options);
    }

    private static InputStream resource(String name) {
        InputStream in = NsfwjsMobileNetTest.class.getClassLoader().getResourceAsStream(FIXTURE + name);
        if (in == null) {
            throw new IllegalStateException("test resource " + FIXTURE + name + " (dl-core's test jar) not found");
        }
        return in;
    }

    private static Path nsfwjsModel() {
        String property = System.getProperty("sparkft.nsfwjs");
        String environment = System.getenv("SPARKFT_NSFWJS");
        Path cache = property != null && !property.isBlank() ? Path.of(property)
                : environment != null && !environment.isBlank() ? Path.of(environment)
                : Path.of(System.getProperty("user.home"), "sparkft-data", "nsfwjs-4.3.0");
        Path model = cache.resolve("node_modules/nsfwjs/dist/models/mobilenet_v2");
        if (!Files.isRegularFile(model.resolve("model.min.js"))) {
            String message = "no nsfwjs cache at " + cache + ": run scripts/fetch-nsfwjs.sh";
            System.err.println("WARNING: NsfwjsMobileNetTest SKIPS the real nsfwjs model: " + message);
            Assumptions.abort(message);
        }
        return model;
    }
}

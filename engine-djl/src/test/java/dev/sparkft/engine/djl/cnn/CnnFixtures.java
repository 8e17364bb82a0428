package dev.sparkft.engine.djl.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkft.cnn.CnnArchitecture;
import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import dev.sparkft.testing.ChildProcess;
import dev.sparkft.testing.PythonReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/** CNN folders with the reference's seeded random weights, and pixel batches, for tests against PyTorch. */
final class CnnFixtures {
    private CnnFixtures() {
    }

    static CnnConfig config(CnnArchitecture architecture, int c, int h, int w, int classes, CnnConfig.Padding padding,
            CnnConfig.Stem stem) {
        List<String> names = IntStream.range(0, classes).mapToObj(i -> "c" + i).toList();
        List<Double> mean = IntStream.range(0, c).mapToObj(i -> 0.4 + 0.05 * i).toList();
        List<Double> std = IntStream.range(0, c).mapToObj(i -> 0.25 + 0.02 * i).toList();
        return new CnnConfig(architecture, names, c, h, w, mean, std, padding == CnnConfig.Padding.TF_SAME ? 1e-3 : 1e-5,
                padding, stem);
    }

    /** A CNN folder for {@code config} whose weights the PyTorch reference initialised (non-trivial batch norms). */
    static Path folder(Path python, Path dir, CnnConfig config, long seed) throws Exception {
        Files.createDirectories(dir);
        config.write(dir.resolve("config.json"));
        ChildProcess.Result r = PythonReference.run(python, Duration.ofSeconds(180), "cnn_reference.py", "init",
                dir.toString(), "--seed", Long.toString(seed));
        assertEquals(0, r.exitCode(), r.tail());
        return dir;
    }

    /** {@code n} images of random pixels and labels, as the trainer assembles them (pixels scaled to [0, 1]). */
    static Batch batch(CnnConfig config, int n, long seed) {
        Random random = new Random(seed);
        int[] bytes = new int[n * config.pixelsPerImage()];
        float[] pixels = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = random.nextInt(256);
            pixels[i] = bytes[i] / 255f;
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(config.numClasses());
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put(DjlCnnModel.PIXELS, Tensor.ofFloats(pixels, n, config.pixelsPerImage()));
        t.put(DjlCnnModel.LABEL, Tensor.ofInts(labels, n));
        return new Batch(t);
    }

    /** The batch as the reference reads it: integral pixel values [n, C, H, W] and labels [n]. */
    static Path writeBatch(Path file, CnnConfig config, Batch batch) throws IOException {
        int n = batch.size();
        float[] scaled = batch.get(DjlCnnModel.PIXELS).floats();
        float[] pixels = new float[scaled.length];
        for (int i = 0; i < scaled.length; i++) {
            pixels[i] = Math.round(scaled[i] * 255f);
        }
        int[] labels = batch.get(DjlCnnModel.LABEL).ints();
        float[] labelValues = new float[n];
        for (int i = 0; i < n; i++) {
            labelValues[i] = labels[i];
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("pixels", Tensor.ofFloats(pixels, n, config.channels(), config.height(), config.width()));
        t.put("labels", Tensor.ofFloats(labelValues, n));
        SafeTensors.write(file, t, Map.of(), SafeTensors.Dtype.F32);
        return file;
    }

    static ModelSpec spec(Path folder, int classes, String batchNorm) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("task", "image-classification");
        options.put("weights", folder.toString());
        options.put("numLabels", classes);
        options.put("batchNorm", batchNorm);
        return new ModelSpec("djl-pytorch", options);
    }
}

package dev.sparkft.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.testing.ChildProcess;
import dev.sparkft.testing.PythonReference;
import dev.sparkft.testing.Models;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares logits, summed loss and its gradient with Hugging Face transformers (PyTorch) on the same tiny config and
 * weights, through scripts/reference/bert_reference.py (tolerance 1e-5), with the reference venv that
 * scripts/reference/setup-venv.sh makes ({@link PythonReference}: without it the test fails under CI and is
 * skipped with a warning elsewhere). The project itself never runs Python.
 */
class BertPyTorchReferenceTest {
    @TempDir
    Path dir;

    @Test
    void sequenceClassificationMatchesTransformers() throws Exception {
        compare("sequence-classification");
    }

    @Test
    void tokenClassificationMatchesTransformers() throws Exception {
        compare("token-classification");
    }

    /**
     * bf16 against PyTorch's bf16 autocast, where this JVM's DJL can compute in bf16 (docs/cluster.md, "bf16";
     * the Maven jars cannot, so CI skips it). Tolerance 2e-2: bf16 keeps 8 significant bits, and autocast's
     * own gradient is about 1e-2 away from fp32 here (printed).
     */
    @Test
    void bf16MatchesPyTorchAutocast() throws Exception {
        assumeTrue(bf16Available(), "this JVM's DJL cannot compute in bf16 (the Maven jars' JNI has no bf16)");
        compare("sequence-classification", "bf16", "2e-2");
        compare("token-classification", "bf16", "2e-2");
    }

    private static boolean bf16Available() {
        try {
            Bf16Support.require();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private void compare(String task) throws Exception {
        compare(task, "fp32", "1e-5");
    }

    private void compare(String task, String precision, String tolerance) throws Exception {
        Path python = PythonReference.require(getClass());
        Path caseDir = Files.createDirectories(dir.resolve(task + "-" + precision));
        Batch batch = TinyBert.batch(4, 7, 3, 21);
        ModelSpec spec = TinyBert.spec(task, "cls", List.of());
        Map<String, Object> options = new LinkedHashMap<>(spec.options());
        options.put("precision", precision);
        try (TrainableModel m = Models.create(new ModelSpec(spec.engine(), options))) {
            float[] flat = wideParameters(m);
            m.setParameters(flat);
            float[] gradient = new float[flat.length];
            LossSum loss = m.accumulateGradient(batch, gradient);
            float[] logits = m.predict(batch).floats();
            write(caseDir, m, flat, batch, task, precision, logits, loss.loss());
            writeFloats(caseDir.resolve("gradient.bin"), gradient);
        }
        ChildProcess.Result r = PythonReference.run(python, Duration.ofSeconds(120), "bert_reference.py",
                caseDir.toString(), tolerance);
        System.out.println("reference " + task + " " + precision + ": " + r.output().trim());
        assertEquals(0, r.exitCode(), r.tail());
    }

    /** HF-style weights are so small that logits hardly depend on them; wider values test more. */
    private static float[] wideParameters(TrainableModel m) {
        Random r = new Random(99);
        float[] flat = new float[m.layout().size()];
        for (ParameterSegment s : m.layout().segments()) {
            float base = s.name().contains("LayerNorm.weight") ? 1f : 0f;
            for (long i = s.offset(); i < s.end(); i++) {
                flat[(int) i] = base + (float) (0.3 * r.nextGaussian());
            }
        }
        return flat;
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Files.write(file, bytes.array());
    }

    private static void write(Path caseDir, TrainableModel m, float[] flat, Batch batch, String task,
            String precision, float[] logits, double loss) throws IOException {
        writeFloats(caseDir.resolve("weights.bin"), flat);
        List<Map<String, Object>> layout = new ArrayList<>();
        for (ParameterSegment s : m.layout().segments()) {
            layout.add(Map.of("name", s.name(), "shape", s.shape(), "offset", s.offset()));
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("config", TinyBert.configMap());
        index.put("num_labels", 3);
        index.put("task", task);
        index.put("precision", precision);
        index.put("layout", layout);
        index.put("batch_shape", batch.get("input_ids").shape());
        for (String column : List.of("input_ids", "attention_mask", "token_type_ids", "label", "labels")) {
            index.put(column, batch.get(column).ints());
        }
        index.put("java_logits", logits);
        index.put("java_loss_sum", loss);
        new ObjectMapper().writeValue(caseDir.resolve("index.json").toFile(), index);
    }
}

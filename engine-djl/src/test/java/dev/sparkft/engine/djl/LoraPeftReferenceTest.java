package dev.sparkft.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.bert.BertExport;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.bert.BertParameterNames;
import dev.sparkft.bert.LoraExport;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.FrozenParameters;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.testing.ChildProcess;
import dev.sparkft.testing.PythonReference;
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
 * LoRA against Hugging Face PEFT (scripts/reference/lora_reference.py, reference venv: {@link PythonReference}).
 * One forward/backward on the same base weights, adapters, head and batch: logits, summed loss and the gradient of
 * the adapters and the head within 1e-5 (fp32 on both sides; the engine's fp64 gradients are checked against
 * finite differences in {@link BertGradientCheckTest}). And the export: PEFT loads the adapter folder onto the base
 * model, and transformers the merged folder, each giving our logits within 1e-4.
 */
class LoraPeftReferenceTest {
    private static final List<String> LABELS = List.of("negative", "neutral", "positive");

    @TempDir
    Path dir;

    @Test
    void sequenceClassificationStepMatchesPeft() throws Exception {
        step("sequence-classification", List.of("query", "value", "output.dense"));
    }

    @Test
    void tokenClassificationStepMatchesPeft() throws Exception {
        step("token-classification", List.of("key", "attention.output.dense", "intermediate.dense"));
    }

    @Test
    void exportLoadsInPeftAndTransformers() throws Exception {
        Path python = PythonReference.require(getClass());
        Path caseDir = Files.createDirectories(dir.resolve("export"));
        ModelSpec spec = spec("sequence-classification", List.of("query", "value"), 2, 4);
        ModelArchitecture architecture = ModelEngines.resolve(spec).architecture();
        BertModelOptions options = architecture.details(BertModelOptions.class);
        float[] base = wide(options.frozenLayout(), 31);
        architecture = architecture.withFrozen(FrozenParameters.of(base));
        Batch batch = TinyBert.batch(5, 9, 3, 2);
        Path tokenizer = MiniLmText.tokenizerJson(dir);

        // The base model folder a user would start from: the frozen weights and some head.
        float[] zeroAdapters = new float[options.layout().size()];
        Path baseDir = dir.resolve("base");
        BertExport.write(options, BertParameterNames.layout(options.config(), options.head()),
                LoraExport.merged(options, base, zeroAdapters), LABELS, tokenizer, baseDir);

        float[] trained = wide(options.layout(), 32);
        float[] logits;
        try (TrainableModel m = ModelEngines.create(architecture)) {
            m.setParameters(trained);
            logits = m.predict(batch).floats();
        }
        Path export = dir.resolve("exported");
        ModelEngines.find(DjlEngine.NAME).exporter().orElseThrow().write(new ExportRequest(architecture, trained,
                LABELS, tokenizer, export, baseDir.toString()));
        assertTrue(Files.isRegularFile(export.resolve("model.safetensors")), "the merged model");
        assertTrue(Files.isRegularFile(export.resolve("adapter/adapter_model.safetensors")), "the adapter");

        Map<String, Object> index = inputs(batch, "sequence-classification");
        index.put("export", export.toString());
        index.put("base", baseDir.toString());
        index.put("java_logits", logits);
        new ObjectMapper().writeValue(caseDir.resolve("index.json").toFile(), index);
        ChildProcess.Result r = PythonReference.run(python, Duration.ofSeconds(180), "lora_reference.py", "export",
                caseDir.toString(), "1e-4");
        System.out.println("lora_reference.py export: " + r.output().trim());
        assertEquals(0, r.exitCode(), r.tail());
    }

    private void step(String task, List<String> targets) throws Exception {
        Path python = PythonReference.require(getClass());
        Path caseDir = Files.createDirectories(dir.resolve(task));
        ModelSpec spec = spec(task, targets, 4, 8);
        ModelArchitecture architecture = ModelEngines.resolve(spec).architecture();
        BertModelOptions options = architecture.details(BertModelOptions.class);
        float[] base = wide(options.frozenLayout(), 41);
        float[] trained = wide(options.layout(), 42);
        Batch batch = TinyBert.batch(4, 7, 3, 21);
        float[] gradient = new float[trained.length];
        float[] logits;
        LossSum loss;
        try (TrainableModel m = ModelEngines.create(architecture.withFrozen(FrozenParameters.of(base)))) {
            m.setParameters(trained);
            loss = m.accumulateGradient(batch, gradient);
            logits = m.predict(batch).floats();
        }
        writeFloats(caseDir.resolve("frozen.bin"), base);
        writeFloats(caseDir.resolve("weights.bin"), trained);
        writeFloats(caseDir.resolve("gradient.bin"), gradient);
        Map<String, Object> index = inputs(batch, task);
        index.put("config", TinyBert.configMap());
        index.put("num_labels", 3);
        index.put("frozen_layout", layout(options.frozenLayout()));
        index.put("layout", layout(options.layout()));
        index.put("lora", Map.of("r", options.lora().rank(), "alpha", options.lora().alpha(),
                "target_modules", options.lora().modules(options.config())));
        index.put("java_logits", logits);
        index.put("java_loss_sum", loss.loss());
        new ObjectMapper().writeValue(caseDir.resolve("index.json").toFile(), index);
        ChildProcess.Result r = PythonReference.run(python, Duration.ofSeconds(180), "lora_reference.py", "step",
                caseDir.toString(), "1e-5");
        System.out.println("lora_reference.py step " + task + ": " + r.output().trim());
        assertEquals(0, r.exitCode(), r.tail());
    }

    private static ModelSpec spec(String task, List<String> targets, int rank, double alpha) {
        Map<String, Object> options = new LinkedHashMap<>(TinyBert.spec(task, "cls", List.of()).options());
        options.put("lora", Map.of("rank", rank, "alpha", alpha, "targets", targets));
        return new ModelSpec(DjlEngine.NAME, options);
    }

    /** Values large enough that every path carries a visible signal (B non-zero, unlike PEFT's start). */
    private static float[] wide(ParameterLayout layout, long seed) {
        Random r = new Random(seed);
        float[] flat = new float[layout.size()];
        for (ParameterSegment s : layout.segments()) {
            float base = s.name().contains("LayerNorm.weight") ? 1f : 0f;
            for (long i = s.offset(); i < s.end(); i++) {
                flat[(int) i] = base + (float) (0.3 * r.nextGaussian());
            }
        }
        return flat;
    }

    private static List<Map<String, Object>> layout(ParameterLayout layout) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ParameterSegment s : layout.segments()) {
            out.add(Map.of("name", s.name(), "shape", s.shape(), "offset", s.offset()));
        }
        return out;
    }

    private static Map<String, Object> inputs(Batch batch, String task) {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("task", task);
        index.put("batch_shape", batch.get("input_ids").shape());
        for (String column : List.of("input_ids", "attention_mask", "token_type_ids", "label", "labels")) {
            index.put(column, batch.get(column).ints());
        }
        return index;
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Files.write(file, bytes.array());
    }
}

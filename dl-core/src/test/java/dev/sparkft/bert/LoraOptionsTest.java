package dev.sparkft.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA options: parsing and its errors, the two layouts, PEFT's initialisation, the merge and the adapter folder. */
class LoraOptionsTest {
    @TempDir
    Path dir;

    private static Map<String, Object> options(Object lora) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", "sequence-classification");
        o.put("numLabels", 3);
        o.put("weights", "random");
        o.put("config", BertModelOptionsTest.configMap());
        o.put("seed", 3);
        if (lora != null) {
            o.put("lora", lora);
        }
        return o;
    }

    private static BertModelOptions.Resolved parse(Map<String, Object> options) {
        return BertModelOptions.resolve(options, ModelFiles.LOCAL);
    }

    private static String error(Map<String, Object> options) {
        return assertThrows(IllegalArgumentException.class, () -> parse(options)).getMessage();
    }

    @Test
    void defaultsArePeftsAndTheLayoutsSplitTheModel() {
        BertModelOptions.Resolved r = parse(options(Map.of()));
        BertModelOptions o = r.architecture();
        assertEquals(new LoraOptions(8, 8, List.of("query", "value")), o.lora());
        assertEquals(1.0, o.lora().scaling());
        // Hidden 8, 2 layers: per layer query and value, A [8, 8] and B [8, 8]; then the head [3, 8] + [3].
        ParameterLayout layout = o.layout();
        assertEquals(List.of("bert.encoder.layer.0.attention.self.query.lora_A.weight",
                "bert.encoder.layer.0.attention.self.query.lora_B.weight",
                "bert.encoder.layer.0.attention.self.value.lora_A.weight",
                "bert.encoder.layer.0.attention.self.value.lora_B.weight"),
                layout.segments().stream().limit(4).map(ParameterSegment::name).toList());
        assertEquals(2 * 2 * 2 * 64 + 3 * 8 + 3, layout.size());
        assertEquals(layout.size(), layout.trainableSize());
        // The frozen layout is everything else: the whole model but the head, nothing trainable.
        ParameterLayout full = BertParameterNames.layout(BertModelOptionsTest.CONFIG, o.head());
        assertEquals(full.size() - 3 * 8 - 3, o.frozenLayout().size());
        assertEquals(0, o.frozenLayout().trainableSize());
        assertEquals(o.frozenLayout().size(), r.frozenParameters().length);
        assertNull(parse(options(null)).frozenParameters(), "no LoRA, nothing frozen apart");

        // PEFT's start: A uniform in ±1/sqrt(in), B zero; the head as without LoRA.
        float[] flat = r.initialParameters();
        ParameterSegment a = layout.segment("bert.encoder.layer.1.attention.self.value.lora_A.weight");
        ParameterSegment b = layout.segment("bert.encoder.layer.1.attention.self.value.lora_B.weight");
        double bound = 1 / Math.sqrt(8);
        boolean anyNonZero = false;
        for (long i = a.offset(); i < a.end(); i++) {
            assertTrue(Math.abs(flat[(int) i]) <= bound);
            anyNonZero |= flat[(int) i] != 0;
        }
        assertTrue(anyNonZero);
        for (long i = b.offset(); i < b.end(); i++) {
            assertEquals(0f, flat[(int) i]);
        }
    }

    @Test
    void targetsAreExactModuleNamesInLayerOrder() {
        LoraOptions lora = new LoraOptions(2, 4, List.of("output.dense", "query", "attention.output.dense"));
        assertEquals(List.of("attention.self.query", "attention.output.dense", "output.dense"), lora.targets());
        assertTrue(lora.adapts("bert.encoder.layer.11.output.dense"));
        assertTrue(lora.adapts("bert.encoder.layer.0.attention.output.dense"));
        assertFalse(new LoraOptions(2, 4, List.of("output.dense")).adapts("bert.encoder.layer.0.attention.output.dense"),
                "output.dense is the FFN's, never the attention output (PEFT's suffix match would take both)");
        assertFalse(lora.adapts("bert.pooler.dense"));
        assertEquals(2.0, lora.scaling());
    }

    @Test
    void badOptionsNameTheKey() {
        assertTrue(error(options(Map.of("targets", List.of("query", "dense")))).contains(
                "'model.options.lora.targets' has 'dense', which is no module of a BERT layer"));
        assertTrue(error(options(Map.of("targets", List.of())))
                .contains("'model.options.lora.targets' names no module"));
        assertTrue(error(options(Map.of("targets", List.of("value", "value")))).contains("names 'value' twice"));
        assertTrue(error(options(Map.of("rank", 0))).contains("'model.options.lora.rank' must be at least 1"));
        assertTrue(error(options(Map.of("alpha", -1))).contains("'model.options.lora.alpha' must be a positive"));
        assertTrue(error(options(Map.of("dropout", 0.1))).contains("'model.options.lora.dropout' = 0.1"));
        assertTrue(error(options(Map.of("rnak", 4))).contains("unknown option 'model.options.lora.rnak'"));
        assertTrue(error(options("yes")).contains("model.options.lora"));
        Map<String, Object> both = options(Map.of());
        both.put("freeze", List.of("bert.embeddings"));
        assertTrue(error(both).contains("'model.options.freeze' and 'model.options.lora' together"));
    }

    @Test
    void mergeAddsScaledProductAndZeroAdaptersGiveTheBase() {
        BertModelOptions.Resolved r = parse(options(Map.of("rank", 2, "alpha", 6, "targets", List.of("query"))));
        BertModelOptions o = r.architecture();
        float[] frozen = r.frozenParameters();
        float[] start = r.initialParameters();
        float[] merged = LoraExport.merged(o, frozen, start);
        ParameterLayout full = BertParameterNames.layout(o.config(), o.head());
        for (ParameterSegment s : o.frozenLayout().segments()) {
            ParameterSegment f = full.segment(s.name());
            for (int i = 0; i < s.length(); i++) {
                assertEquals(frozen[(int) s.offset() + i], merged[(int) f.offset() + i], s.name() + ": B = 0 adds nothing");
            }
        }
        // With random B: W + 3 * B A, element by element.
        float[] trained = start.clone();
        Random random = new Random(1);
        for (int i = 0; i < trained.length; i++) {
            trained[i] = (float) random.nextGaussian();
        }
        merged = LoraExport.merged(o, frozen, trained);
        String module = "bert.encoder.layer.1.attention.self.query";
        ParameterSegment w = full.segment(module + ".weight");
        ParameterSegment a = o.layout().segment(LoraOptions.a(module));
        ParameterSegment b = o.layout().segment(LoraOptions.b(module));
        ParameterSegment wFrozen = o.frozenLayout().segment(module + ".weight");
        for (int row = 0; row < 8; row++) {
            for (int col = 0; col < 8; col++) {
                double product = trained[(int) b.offset() + row * 2] * trained[(int) a.offset() + col]
                        + trained[(int) b.offset() + row * 2 + 1] * trained[(int) a.offset() + 8 + col];
                double expected = frozen[(int) wFrozen.offset() + row * 8 + col] + 3 * product;
                assertEquals(expected, merged[(int) w.offset() + row * 8 + col], 1e-5);
            }
        }
        ParameterSegment head = full.segment("classifier.weight");
        assertArrayEquals(java.util.Arrays.copyOfRange(trained, (int) o.layout().segment("classifier.weight").offset(),
                (int) o.layout().segment("classifier.weight").end()),
                java.util.Arrays.copyOfRange(merged, (int) head.offset(), (int) head.end()));
    }

    @Test
    void adapterFolderHasPeftsKeysAndConfig() throws Exception {
        BertModelOptions.Resolved r = parse(options(Map.of("rank", 2, "alpha", 4,
                "targets", List.of("value", "output.dense"))));
        BertModelOptions o = r.architecture();
        float[] flat = r.initialParameters();
        Path target = dir.resolve("adapter");
        LoraExport.writeAdapter(o, flat, "bundled:all-minilm-l6-v2", target);
        Map<String, Tensor> tensors = SafeTensors.read(target.resolve("adapter_model.safetensors"));
        assertEquals(List.of("base_model.model.bert.encoder.layer.0.attention.self.value.lora_A.weight",
                "base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight",
                "base_model.model.bert.encoder.layer.0.output.dense.lora_A.weight",
                "base_model.model.bert.encoder.layer.0.output.dense.lora_B.weight"),
                tensors.keySet().stream().limit(4).toList());
        assertTrue(tensors.containsKey("base_model.model.classifier.weight"));
        assertArrayEquals(new long[] {2, 16}, tensors.get(
                "base_model.model.bert.encoder.layer.1.output.dense.lora_A.weight").shape());
        JsonNode config = new ObjectMapper().readTree(target.resolve("adapter_config.json").toFile());
        assertEquals("LORA", config.path("peft_type").asText());
        assertEquals("SEQ_CLS", config.path("task_type").asText());
        assertEquals(2, config.path("r").asInt());
        assertEquals(4, config.path("lora_alpha").asInt());
        assertEquals("sentence-transformers/all-MiniLM-L6-v2", config.path("base_model_name_or_path").asText());
        assertEquals(List.of("bert.encoder.layer.0.attention.self.value", "bert.encoder.layer.0.output.dense",
                "bert.encoder.layer.1.attention.self.value", "bert.encoder.layer.1.output.dense"),
                new ObjectMapper().convertValue(config.path("target_modules"), List.class));
        assertThrows(IllegalArgumentException.class, () -> LoraExport.writeAdapter(o, flat, null, target),
                "an existing folder is never overwritten");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList(), "no temporary folder left behind");
        }
    }
}

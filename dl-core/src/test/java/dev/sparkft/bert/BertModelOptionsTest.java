package dev.sparkft.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.hf.HuggingFaceFolder;
import dev.sparkft.model.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options: where config comes from, agreement with the weights, the weights sources and their errors. */
class BertModelOptionsTest {
    static final BertConfig CONFIG = new BertConfig(30, 8, 2, 2, 16, 16, 2, 1e-12, "gelu");

    @TempDir
    Path dir;

    static Map<String, Object> configMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", CONFIG.vocabSize());
        m.put("hidden_size", CONFIG.hiddenSize());
        m.put("num_hidden_layers", CONFIG.numLayers());
        m.put("num_attention_heads", CONFIG.numHeads());
        m.put("intermediate_size", CONFIG.intermediateSize());
        m.put("max_position_embeddings", CONFIG.maxPositions());
        return m;
    }

    private static Map<String, Object> options(Object weights, Object config, int numLabels) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", "sequence-classification");
        o.put("numLabels", numLabels);
        o.put("weights", weights);
        if (config != null) {
            o.put("config", config);
        }
        return o;
    }

    private static BertModelOptions.Resolved parse(Map<String, Object> options) {
        return BertModelOptions.resolve(options, ModelFiles.LOCAL);
    }

    /** A random sequence classifier with labels a, b, c written as a Hugging Face folder. */
    private Path folder() throws Exception {
        BertModelOptions.Resolved random = parse(options("random", configMap(), 3));
        var layout = BertParameterNames.layout(CONFIG, random.architecture().head());
        float[] flat = BertFlatVector.flatten(layout, random.weights().load(CONFIG, 5), 5);
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Path folder = dir.resolve("model");
        BertExport.write(random.architecture(), layout, flat, List.of("a", "b", "c"), tokenizer, folder);
        return folder;
    }

    @Test
    void configComesFromTheFolderOrMustAgreeWithIt() throws Exception {
        Path folder = folder();
        BertModelOptions.Resolved fromFolder = parse(options(folder.toString(), null, 3));
        assertEquals(CONFIG, fromFolder.architecture().config());
        assertEquals(new BertWeightsSource.Folder(folder, folder.toString()), fromFolder.weights());
        assertEquals(CONFIG, parse(options(folder.toString(), configMap(), 3)).architecture().config());
        assertEquals(CONFIG, parse(
                options("random", folder.resolve("config.json").toString(), 3)).architecture().config());

        Map<String, Object> wider = configMap();
        wider.put("intermediate_size", 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(options(folder.toString(), wider, 3)));
        assertTrue(e.getMessage().contains("intermediate_size = 32")
                && e.getMessage().contains("intermediate_size = 16")
                && e.getMessage().contains(folder.toString()), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> parse(options(folder.toString(), null, 4)));
        assertTrue(e.getMessage().contains("classifier for 3 labels [a, b, c]")
                && e.getMessage().contains("numLabels' is 4"), e.getMessage());
    }

    @Test
    void badSourcesAndMissingConfigFailClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(options("random", null, 3)));
        assertTrue(e.getMessage().contains("missing option 'model.options.config'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> parse(options(dir.resolve("nope.onnx").toString(), null, 3)));
        assertTrue(e.getMessage().contains("nope.onnx does not exist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> parse(options("bundled:bert-base", null, 3)));
        assertTrue(e.getMessage().contains("bundled:all-minilm-l6-v2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> parse(options(dir.resolve("missing").toString(), null, 3)));
        assertTrue(e.getMessage().contains("option 'model.options.weights'")
                && e.getMessage().contains(dir.resolve("missing") + " does not exist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> parse(options("random", dir.resolve("gone.json").toString(), 3)));
        assertTrue(e.getMessage().contains("option 'model.options.config'")
                && e.getMessage().contains(dir.resolve("gone.json") + " does not exist"), e.getMessage());
    }

    /**
     * A folder whose config.json and model.safetensors disagree is refused when resolved, naming the folder,
     * the tensor and the config.json field (from the safetensors header; no tensor is read).
     */
    @Test
    void aFolderWhoseConfigAndWeightsDisagreeIsRefused() throws Exception {
        Path folder = folder();
        Path config = folder.resolve("config.json");
        String original = Files.readString(config);
        Files.writeString(config, original.replace("\"vocab_size\" : 30", "\"vocab_size\" : 40"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(options(folder.toString(), null, 3)));
        assertTrue(e.getMessage().contains("Hugging Face folder " + folder)
                && e.getMessage().contains("tensor 'bert.embeddings.word_embeddings.weight' has shape [30, 8]")
                && e.getMessage().contains("config.json's vocab_size = 40 implies [40, 8]"), e.getMessage());

        Files.writeString(config, original.replace("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : 1"));
        e = assertThrows(IllegalArgumentException.class, () -> parse(options(folder.toString(), null, 3)));
        assertTrue(e.getMessage().contains("Hugging Face folder " + folder)
                && e.getMessage().contains("tensor 'bert.encoder.layer.1.")
                && e.getMessage().contains("num_hidden_layers = 1"), e.getMessage());

        Files.writeString(config, original.replace("\"intermediate_size\" : 16", "\"intermediate_size\" : 12"));
        e = assertThrows(IllegalArgumentException.class, () -> parse(options(folder.toString(), null, 3)));
        assertTrue(e.getMessage().contains("tensor 'bert.encoder.layer.0.intermediate.dense.weight' has shape [16, 8]")
                && e.getMessage().contains("intermediate_size = 12"), e.getMessage());
    }

    @Test
    void bundledMiniLmDefinesItsConfig() {
        BertModelOptions o = parse(options(BertWeightsSource.BUNDLED_MINILM, null, 2)).architecture();
        assertEquals(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, "gelu"), o.config());
    }

    @Test
    void aHeadlessEncoderGetsTheSeededHeadAndAHeadOfTheSameSizeIsKept() throws Exception {
        Path folder = folder();
        BertModelOptions o = parse(options(folder.toString(), null, 3)).architecture();
        var layout = BertParameterNames.layout(o.config(), o.head());
        HuggingFaceBert saved = HuggingFaceFolder.load(folder);
        float[] flat = BertFlatVector.flatten(layout, saved, 99);
        var head = layout.segment("classifier.weight");
        assertEquals(saved.classifier().weight().floats()[4], flat[(int) head.offset() + 4]);

        HuggingFaceBert encoderOnly = new HuggingFaceBert(saved.encoder(), BertArchitecture.BERT_MODEL, null);
        float[] seeded = BertFlatVector.flatten(layout, encoderOnly, 99);
        assertEquals(RandomBertWeights.tensor("classifier.weight", head.shape(), 99).floats()[4],
                seeded[(int) head.offset() + 4]);
        var pooler = layout.segment("bert.pooler.dense.weight");
        assertEquals(saved.encoder().tensors().get("pooler.dense.weight").floats()[7],
                seeded[(int) pooler.offset() + 7]);

        var fourLabels = BertParameterNames.layout(o.config(),
                new BertHead(BertTask.SEQUENCE_CLASSIFICATION, 4, Pooling.CLS));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BertFlatVector.flatten(fourLabels, saved, 1));
        assertTrue(e.getMessage().contains("classifier for 3 labels"), e.getMessage());
    }
}

package dev.sparkft.hf;

import dev.sparkft.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HuggingFaceFolderTest {

    @TempDir
    Path dir;

    @Test
    void exportThenLoadGivesIdenticalTensors() throws IOException {
        HuggingFaceBert model = new HuggingFaceBert(TinyBert.weights(7), BertArchitecture.SEQUENCE_CLASSIFICATION,
                TinyBert.head(8, List.of("ham", "spam", "unsure")));
        Path tokenizer = tokenizer();
        Path folder = dir.resolve("export");
        HuggingFaceFolder.export(model, tokenizer, folder);

        HuggingFaceBert back = HuggingFaceFolder.load(folder);
        assertEquals(model.encoder().config(), back.encoder().config());
        assertEquals(BertArchitecture.SEQUENCE_CLASSIFICATION, back.architecture());
        assertEquals(List.of("ham", "spam", "unsure"), back.classifier().labels());
        assertEquals(List.copyOf(model.encoder().tensors().keySet()), List.copyOf(back.encoder().tensors().keySet()));
        model.encoder().tensors().forEach((k, t) -> assertSameTensor(t, back.encoder().tensors().get(k), k));
        assertSameTensor(model.classifier().weight(), back.classifier().weight(), "classifier.weight");
        assertSameTensor(model.classifier().bias(), back.classifier().bias(), "classifier.bias");
        assertArrayEquals(Files.readAllBytes(tokenizer), Files.readAllBytes(HuggingFaceFolder.tokenizerJson(folder)));

        // Hugging Face's names on disk: bert.-prefixed encoder, unprefixed classifier, format metadata.
        Map<String, Tensor> raw = SafeTensors.read(folder.resolve(HuggingFaceFolder.WEIGHTS));
        assertTrue(raw.containsKey("bert.encoder.layer.1.attention.self.query.weight"), raw.keySet().toString());
        assertTrue(raw.containsKey("bert.pooler.dense.bias") && raw.containsKey("classifier.weight"));
        assertEquals(BertWeights.expectedShapes(TinyBert.CONFIG).size() + 2, raw.size());
        assertEquals("pt", SafeTensors.readMetadata(folder.resolve(HuggingFaceFolder.WEIGHTS)).get("format"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("export", "tokenizer.json"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary folder left");
        }
    }

    @Test
    void bareEncoderExportsWithBareKeys() throws IOException {
        HuggingFaceBert model = new HuggingFaceBert(TinyBert.weights(3), BertArchitecture.BERT_MODEL, null);
        Path folder = dir.resolve("encoder");
        HuggingFaceFolder.export(model, tokenizer(), folder);
        Map<String, Tensor> raw = SafeTensors.read(folder.resolve(HuggingFaceFolder.WEIGHTS));
        assertEquals(List.copyOf(BertWeights.expectedShapes(TinyBert.CONFIG).keySet()), List.copyOf(raw.keySet()));
        HuggingFaceBert back = HuggingFaceFolder.load(folder);
        assertNull(back.classifier());
        model.encoder().tensors().forEach((k, t) -> assertSameTensor(t, back.encoder().tensors().get(k), k));
    }

    @Test
    void loadsPrefixedHalfPrecisionCheckpointDroppingPretrainingHeads() throws IOException {
        // As a BertForPreTraining checkpoint saved in bf16 looks: bert.* keys, cls.* heads, position_ids buffer.
        BertWeights weights = TinyBert.weights(11);
        Map<String, Tensor> raw = new LinkedHashMap<>();
        weights.tensors().forEach((k, t) -> raw.put("bert." + k, t));
        raw.put("cls.predictions.bias", Tensor.ofFloats(new float[50], 50));
        Path folder = Files.createDirectories(dir.resolve("pretraining"));
        SafeTensors.write(folder.resolve(HuggingFaceFolder.WEIGHTS), raw, Map.of("format", "pt"), SafeTensors.Dtype.BF16);
        BertConfigJson.write(folder.resolve(HuggingFaceFolder.CONFIG),
                new BertConfigFile(TinyBert.CONFIG, BertArchitecture.BERT_MODEL, List.of()));
        Files.copy(tokenizer(), folder.resolve(HuggingFaceFolder.TOKENIZER));

        HuggingFaceBert back = HuggingFaceFolder.load(folder);
        assertEquals(BertWeights.expectedShapes(TinyBert.CONFIG).size(), back.encoder().tensors().size());
        float[] original = weights.tensors().get("encoder.layer.0.intermediate.dense.weight").floats();
        float[] loaded = back.encoder().tensors().get("encoder.layer.0.intermediate.dense.weight").floats();
        for (int i = 0; i < original.length; i++) {
            assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(original[i])), loaded[i]);
        }
    }

    @Test
    void badFoldersAreRejectedWithTheReason() throws IOException {
        HuggingFaceBert model = new HuggingFaceBert(TinyBert.weights(5), BertArchitecture.SEQUENCE_CLASSIFICATION,
                TinyBert.head(6, List.of("a", "b")));
        Path folder = dir.resolve("model");
        HuggingFaceFolder.export(model, tokenizer(), folder);

        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceFolder.export(model, tokenizer(), folder));
        assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
        assertEquals(model.classifier().labels(), HuggingFaceFolder.load(folder).classifier().labels());

        Path weights = folder.resolve(HuggingFaceFolder.WEIGHTS);
        Map<String, Tensor> raw = new LinkedHashMap<>(SafeTensors.read(weights));
        raw.remove("bert.encoder.layer.1.output.dense.bias");
        raw.put("bert.encoder.layer.0.output.dense.weight", Tensor.ofFloats(new float[8 * 15], 8, 15));
        SafeTensors.write(weights, raw, Map.of(), SafeTensors.Dtype.F32);
        assertRejected(folder, "missing 'encoder.layer.1.output.dense.bias'",
                "'encoder.layer.0.output.dense.weight' is float[8, 15], expected float[8, 16]", weights.toString());

        raw = new LinkedHashMap<>(SafeTensors.read(weights));
        raw.put("bert.encoder.layer.1.output.dense.bias", Tensor.ofFloats(new float[8], 8));
        raw.put("bert.encoder.layer.0.output.dense.weight", Tensor.ofFloats(new float[8 * 16], 8, 16));
        raw.put("encoder.layer.0.extra", Tensor.ofFloats(new float[1], 1));
        SafeTensors.write(weights, raw, Map.of(), SafeTensors.Dtype.F32);
        assertRejected(folder, "mixes 'bert.'-prefixed keys with 'encoder.layer.0.extra'");

        raw.remove("encoder.layer.0.extra");
        SafeTensors.write(weights, raw, Map.of(), SafeTensors.Dtype.F32);
        BertConfigJson.write(folder.resolve(HuggingFaceFolder.CONFIG),
                new BertConfigFile(TinyBert.CONFIG, BertArchitecture.BERT_MODEL, List.of()));
        assertRejected(folder, "has a classifier but config.json names BertModel");

        Files.delete(folder.resolve(HuggingFaceFolder.TOKENIZER));
        assertRejected(folder, "no tokenizer.json");
        Files.move(weights, folder.resolve("pytorch_model.bin"));
        assertRejected(folder, "pickled checkpoint SparkFT never loads");
        assertRejected(dir.resolve("nowhere"), "does not exist");
    }

    @Test
    void parameterCountsMatchHandCounts() {
        // Tiny: embeddings 50*8 + 12*8 + 2*8 + 2*8 = 528; per layer 3*(64+8) + (64+8) + 16 + (128+16)
        // + (128+8) + 16 = 600; pooler 72: 528 + 2*600 + 72 = 1800.
        assertEquals(1800, BertWeights.parameterCount(TinyBert.CONFIG));
        assertEquals(1800, TinyBert.weights(1).parameterCount());
        // all-MiniLM-L6-v2: 30522*384 + 512*384 + 2*384 + 768 = 11,918,592; per layer 1,774,464; pooler 147,840.
        assertEquals(11_918_592L + 6 * 1_774_464L + 147_840L,
                BertWeights.parameterCount(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, "gelu")));
    }

    private Path tokenizer() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.exists(file)) {
            Files.writeString(file, "{\"version\": \"1.0\", \"model\": {\"type\": \"WordPiece\"}}");
        }
        return file;
    }

    private static void assertRejected(Path folder, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceFolder.load(folder));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
        }
    }

    private static void assertSameTensor(Tensor expected, Tensor actual, String key) {
        assertArrayEquals(expected.shape(), actual.shape(), key);
        assertArrayEquals(expected.floats(), actual.floats(), 0f, key);
    }
}

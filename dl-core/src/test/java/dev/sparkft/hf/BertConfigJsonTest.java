package dev.sparkft.hf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BertConfigJsonTest {

    @TempDir
    Path dir;

    /** sentence-transformers/all-MiniLM-L6-v2's config.json, as published. */
    private static final String MINILM = """
            {"_name_or_path": "nreimers/MiniLM-L6-H384-uncased", "architectures": ["BertModel"],
             "attention_probs_dropout_prob": 0.1, "gradient_checkpointing": false, "hidden_act": "gelu",
             "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
             "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert",
             "num_attention_heads": 12, "num_hidden_layers": 6, "pad_token_id": 0,
             "position_embedding_type": "absolute", "transformers_version": "4.8.2", "type_vocab_size": 2,
             "use_cache": true, "vocab_size": 30522}
            """;

    @Test
    void readsAPublishedConfig() throws IOException {
        BertConfigFile file = BertConfigJson.read(write(MINILM));
        assertEquals(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, "gelu"), file.config());
        assertEquals(BertArchitecture.BERT_MODEL, file.architecture());
        assertEquals(List.of(), file.labels());
    }

    @Test
    void roundTripsEveryArchitecture() throws IOException {
        List<BertConfigFile> cases = List.of(
                new BertConfigFile(TinyBert.CONFIG, BertArchitecture.BERT_MODEL, List.of()),
                new BertConfigFile(TinyBert.CONFIG, BertArchitecture.SEQUENCE_CLASSIFICATION, List.of("ham", "spam")),
                new BertConfigFile(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-7, "gelu"),
                        BertArchitecture.TOKEN_CLASSIFICATION, List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC",
                        "B-ORG", "I-ORG", "B-MISC", "I-MISC", "X", "Y", "Z")));
        for (BertConfigFile original : cases) {
            Path file = dir.resolve("config.json");
            BertConfigJson.write(file, original);
            assertEquals(original, BertConfigJson.read(file), Files.readString(file));
            String text = Files.readString(file);
            assertTrue(text.contains("\"model_type\" : \"bert\""), text);
            assertTrue(text.contains("\"" + original.architecture().hfName() + "\""), text);
        }
        // Ids above 9 sort numerically, not as text: "10" is the 11th label.
        assertEquals("Y", BertConfigJson.read(dir.resolve("config.json")).labels().get(10));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary files left");
        }
    }

    @Test
    void readsTransformersClassifierConfig() throws IOException {
        String json = MINILM.replace("\"BertModel\"", "\"BertForSequenceClassification\"")
                .replace("\"use_cache\": true,", "\"use_cache\": true, \"id2label\": {\"1\": \"spam\", \"0\": \"ham\"},"
                        + " \"label2id\": {\"ham\": 0, \"spam\": 1},");
        BertConfigFile file = BertConfigJson.read(write(json));
        assertEquals(BertArchitecture.SEQUENCE_CLASSIFICATION, file.architecture());
        assertEquals(List.of("ham", "spam"), file.labels());
    }

    @Test
    void rejectsBadConfigsNamingTheProblem() throws IOException {
        assertRejected(MINILM.replace("\"hidden_size\": 384,", "").replace("\"vocab_size\": 30522", "\"x\": 1"),
                "[vocab_size, hidden_size]");
        assertRejected(MINILM.replace("\"hidden_size\": 384", "\"hidden_size\": \"384\""), "hidden_size");
        assertRejected(MINILM.replace("\"model_type\": \"bert\"", "\"model_type\": \"roberta\""), "roberta");
        assertRejected(MINILM.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\""), "relu");
        assertRejected(MINILM.replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 7"), "not a multiple");
        assertRejected(MINILM.replace("\"absolute\"", "\"relative_key\""), "relative_key");
        assertRejected("{\"vocab_size\": ", "not valid JSON");
        String classifier = MINILM.replace("\"BertModel\"", "\"BertForSequenceClassification\"");
        assertRejected(classifier, "no id2label");
        assertRejected(classifier.replace("\"use_cache\": true,", "\"id2label\": {\"0\": \"a\", \"2\": \"b\"},"),
                "must be 0..1");
        assertRejected(classifier.replace("\"use_cache\": true,", "\"id2label\": {\"0\": \"a\", \"1\": \"b\"},"
                + " \"label2id\": {\"a\": 1, \"b\": 0},"), "label2id disagreeing");
    }

    private Path write(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return file;
    }

    private void assertRejected(String json, String fragment) throws IOException {
        Path file = write(json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertConfigJson.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(fragment), e.getMessage());
    }
}

package dev.sparkft.hf;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a Hugging Face BERT {@code config.json} into a {@link BertConfigFile} and writes one that
 * {@code transformers} loads ({@code AutoModel*.from_pretrained}).
 */
public final class BertConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> REQUIRED = List.of("vocab_size", "hidden_size", "num_hidden_layers",
            "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size",
            "layer_norm_eps", "hidden_act");

    private BertConfigJson() {
    }

    public static BertConfigFile read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw invalid(file, "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid(file, "is not a JSON object");
        }
        List<String> missing = new ArrayList<>();
        for (String key : REQUIRED) {
            if (!root.hasNonNull(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            throw invalid(file, "lacks " + missing + " (is it a BERT config.json?)");
        }
        String modelType = root.path("model_type").asText("bert");
        if (!modelType.equals("bert")) {
            throw invalid(file, "has model_type '" + modelType + "'; only 'bert' is supported");
        }
        String positions = root.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw invalid(file, "has position_embedding_type '" + positions + "'; only 'absolute' is supported");
        }
        BertConfig config;
        try {
            config = new BertConfig(integer(file, root, "vocab_size"), integer(file, root, "hidden_size"),
                    integer(file, root, "num_hidden_layers"), integer(file, root, "num_attention_heads"),
                    integer(file, root, "intermediate_size"), integer(file, root, "max_position_embeddings"),
                    integer(file, root, "type_vocab_size"), number(file, root, "layer_norm_eps"),
                    root.get("hidden_act").asText());
        } catch (IllegalArgumentException e) {
            throw invalid(file, "describes an unsupported model: " + e.getMessage());
        }
        JsonNode architectures = root.path("architectures");
        BertArchitecture architecture = architectures.isArray() && architectures.size() > 0
                ? BertArchitecture.fromHfName(architectures.get(0).asText()) : BertArchitecture.BERT_MODEL;
        List<String> labels = architecture.hasClassifier() ? labels(file, root) : List.of();
        try {
            return new BertConfigFile(config, architecture, labels);
        } catch (IllegalArgumentException e) {
            throw invalid(file, e.getMessage());
        }
    }

    /** Writes {@code config} to {@code file} through a temporary file in the same folder. */
    public static void write(Path file, BertConfigFile content) throws IOException {
        BertConfig c = content.config();
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add(content.architecture().hfName());
        root.put("model_type", "bert");
        root.put("vocab_size", c.vocabSize());
        root.put("hidden_size", c.hiddenSize());
        root.put("num_hidden_layers", c.numLayers());
        root.put("num_attention_heads", c.numHeads());
        root.put("intermediate_size", c.intermediateSize());
        root.put("hidden_act", c.hiddenAct());
        // Dropout and init range are not part of the architecture; BERT's usual values.
        root.put("hidden_dropout_prob", 0.1);
        root.put("attention_probs_dropout_prob", 0.1);
        root.put("max_position_embeddings", c.maxPositions());
        root.put("type_vocab_size", c.typeVocabSize());
        root.put("initializer_range", 0.02);
        root.put("layer_norm_eps", c.layerNormEps());
        root.put("pad_token_id", 0);
        root.put("position_embedding_type", "absolute");
        if (content.architecture().hasClassifier()) {
            ObjectNode id2label = root.putObject("id2label");
            ObjectNode label2id = root.putObject("label2id");
            for (int i = 0; i < content.labels().size(); i++) {
                id2label.put(Integer.toString(i), content.labels().get(i));
                label2id.put(content.labels().get(i), i);
            }
        }
        if (content.architecture() == BertArchitecture.SEQUENCE_CLASSIFICATION) {
            root.put("problem_type", "single_label_classification");
        }
        Path absolute = file.toAbsolutePath();
        Path temporary = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            Files.write(temporary, JSON.writeValueAsBytes(root));
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static List<String> labels(Path file, JsonNode root) {
        JsonNode id2label = root.path("id2label");
        if (!id2label.isObject() || id2label.isEmpty()) {
            throw invalid(file, "names a classifier (" + root.path("architectures").get(0).asText()
                    + ") but has no id2label");
        }
        Map<Integer, String> byId = new TreeMap<>();
        id2label.fields().forEachRemaining(e -> {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw invalid(file, "has id2label key '" + e.getKey() + "' that is not an integer");
            }
            byId.put(id, e.getValue().asText());
        });
        List<String> labels = new ArrayList<>(byId.values());
        int expectedId = 0;
        for (int id : byId.keySet()) {
            if (id != expectedId++) {
                throw invalid(file, "has id2label ids " + byId.keySet() + "; they must be 0.." + (byId.size() - 1));
            }
        }
        JsonNode label2id = root.path("label2id");
        if (label2id.isObject()) {
            for (int i = 0; i < labels.size(); i++) {
                JsonNode id = label2id.get(labels.get(i));
                if (id == null || id.asInt(-1) != i) {
                    throw invalid(file, "has label2id disagreeing with id2label for '" + labels.get(i) + "'");
                }
            }
        }
        return labels;
    }

    private static int integer(Path file, JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw invalid(file, "has " + key + " = " + v + "; an integer is required");
        }
        return v.intValue();
    }

    private static double number(Path file, JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (!v.isNumber()) {
            throw invalid(file, "has " + key + " = " + v + "; a number is required");
        }
        return v.doubleValue();
    }

    private static IllegalArgumentException invalid(Path file, String problem) {
        return new IllegalArgumentException("config.json " + file + " " + problem);
    }
}

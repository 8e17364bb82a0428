package dev.sparkft.hf;

import java.util.HashSet;
import java.util.List;

/**
 * What SparkFT keeps of a Hugging Face config.json: the encoder's architecture, the model class and, for a
 * classifier, its labels in id order.
 */
public record BertConfigFile(BertConfig config, BertArchitecture architecture, List<String> labels) {

    public BertConfigFile {
        labels = List.copyOf(labels);
        if (architecture.hasClassifier() && labels.isEmpty()) {
            throw new IllegalArgumentException(architecture.hfName() + " needs at least one label");
        }
        if (!architecture.hasClassifier() && !labels.isEmpty()) {
            throw new IllegalArgumentException(architecture.hfName() + " has no classifier, so no labels: " + labels);
        }
        if (new HashSet<>(labels).size() != labels.size()) {
            throw new IllegalArgumentException("labels must be distinct: " + labels);
        }
    }
}

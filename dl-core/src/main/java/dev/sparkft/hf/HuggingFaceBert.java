package dev.sparkft.hf;

import java.util.List;

/**
 * A BERT model as a Hugging Face folder holds it: the encoder, the model class and, for the classifier
 * classes, the head ({@code null} exactly when {@code architecture} has none).
 */
public record HuggingFaceBert(BertWeights encoder, BertArchitecture architecture, ClassifierHead classifier) {

    public HuggingFaceBert {
        if (architecture.hasClassifier() != (classifier != null)) {
            throw new IllegalArgumentException(architecture.hfName()
                    + (architecture.hasClassifier() ? " needs a classifier head" : " has no classifier head"));
        }
        if (classifier != null && classifier.inputSize() != encoder.config().hiddenSize()) {
            throw new IllegalArgumentException("classifier takes " + classifier.inputSize()
                    + " inputs but the encoder's hidden size is " + encoder.config().hiddenSize());
        }
    }

    /** The content of this model's config.json. */
    public BertConfigFile configFile() {
        return new BertConfigFile(encoder.config(), architecture,
                classifier == null ? List.of() : classifier.labels());
    }
}

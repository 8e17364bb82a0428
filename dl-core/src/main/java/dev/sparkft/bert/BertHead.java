package dev.sparkft.bert;

import java.io.Serializable;

/**
 * The task head on the encoder: task, number of labels and (for sequence classification) pooling.
 * Token classification ignores pooling and has no pooler, like Hugging Face's {@code BertForTokenClassification}.
 */
public record BertHead(BertTask task, int numLabels, Pooling pooling) implements Serializable {

    public BertHead {
        if (task == null || pooling == null) {
            throw new IllegalArgumentException("BertHead needs a task and a pooling");
        }
        if (numLabels < 2) {
            throw new IllegalArgumentException("option 'numLabels' must be at least 2, got " + numLabels);
        }
    }

    /** Whether the HF pooler (bert.pooler.dense) takes part in the forward pass, hence in the parameters. */
    public boolean usesPooler() {
        return task == BertTask.SEQUENCE_CLASSIFICATION && pooling == Pooling.CLS;
    }
}

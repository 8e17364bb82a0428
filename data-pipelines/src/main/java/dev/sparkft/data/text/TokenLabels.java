package dev.sparkft.data.text;

/**
 * A word-labelled sentence after tokenisation: the encoded tokens and one label id per token, where
 * only a word's first sub-token carries the word's label and every other position (later sub-tokens,
 * special tokens, padding) holds {@link TextTokenizer#IGNORE_LABEL}, which the loss skips.
 */
public record TokenLabels(EncodedText tokens, int[] labels) {

    public TokenLabels {
        if (labels.length != tokens.inputIds().length) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for "
                    + tokens.inputIds().length + " tokens");
        }
    }
}

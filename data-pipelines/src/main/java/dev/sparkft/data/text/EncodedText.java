package dev.sparkft.data.text;

/**
 * One tokenised example, padded to the tokenizer's maxLength: BERT's three input rows. Arrays are
 * owned by the record (not copied); callers must not change them.
 */
public record EncodedText(int[] inputIds, int[] attentionMask, int[] tokenTypeIds) {

    public EncodedText {
        if (inputIds.length != attentionMask.length || inputIds.length != tokenTypeIds.length) {
            throw new IllegalArgumentException("input_ids, attention_mask and token_type_ids differ in length: "
                    + inputIds.length + ", " + attentionMask.length + ", " + tokenTypeIds.length);
        }
    }

    /** Number of real (non-padding) tokens, special tokens included. */
    public int realLength() {
        int n = 0;
        for (int m : attentionMask) {
            n += m;
        }
        return n;
    }
}

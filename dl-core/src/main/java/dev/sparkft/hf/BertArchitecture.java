package dev.sparkft.hf;

/** The model classes SparkFT reads and writes, under the names config.json's {@code architectures} uses. */
public enum BertArchitecture {
    /** The bare encoder (embeddings, layers, pooler). */
    BERT_MODEL("BertModel", false),
    /** Encoder + {@code classifier} Linear on the pooled output. */
    SEQUENCE_CLASSIFICATION("BertForSequenceClassification", true),
    /** Encoder + {@code classifier} Linear on every token's hidden state. */
    TOKEN_CLASSIFICATION("BertForTokenClassification", true);

    private final String hfName;
    private final boolean hasClassifier;

    BertArchitecture(String hfName, boolean hasClassifier) {
        this.hfName = hfName;
        this.hasClassifier = hasClassifier;
    }

    public String hfName() {
        return hfName;
    }

    public boolean hasClassifier() {
        return hasClassifier;
    }

    /**
     * The architecture for a config.json class name. Classes without a classifier SparkFT reads
     * (BertForMaskedLM, BertForPreTraining, ...) load as their encoder, i.e. {@link #BERT_MODEL}.
     */
    public static BertArchitecture fromHfName(String name) {
        for (BertArchitecture a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        return BERT_MODEL;
    }
}

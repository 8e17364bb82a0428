package dev.sparkft.bert;

/** How a sequence classifier turns the encoder's token states into one vector per example. */
public enum Pooling {
    /** Hugging Face's pooler: tanh(dense(hidden[:, 0])), as in {@code BertForSequenceClassification}. */
    CLS("cls"),
    /** Mean of the last hidden state over tokens whose attention mask is 1 (sentence-transformers style). */
    MEAN("mean");

    private final String optionName;

    Pooling(String optionName) {
        this.optionName = optionName;
    }

    public String optionName() {
        return optionName;
    }
}

package dev.sparkft.bert;

/** What the head on top of the BERT encoder predicts, named as in the model options. */
public enum BertTask {
    /** One label per example ({@code label} column, int [n]). */
    SEQUENCE_CLASSIFICATION("sequence-classification", "label"),
    /** One label per token ({@code labels} column, int [n, seq]; -100 marks tokens without a label). */
    TOKEN_CLASSIFICATION("token-classification", "labels");

    private final String optionName;
    private final String labelColumn;

    BertTask(String optionName, String labelColumn) {
        this.optionName = optionName;
        this.labelColumn = labelColumn;
    }

    public String optionName() {
        return optionName;
    }

    public String labelColumn() {
        return labelColumn;
    }
}

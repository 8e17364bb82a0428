package dev.sparkft.hf;

import dev.sparkft.model.Tensor;

import java.util.HashSet;
import java.util.List;

/** A classifier Linear over the hidden size: weight [labels, hidden], bias [labels], labels in id order. */
public record ClassifierHead(List<String> labels, Tensor weight, Tensor bias) {

    public ClassifierHead {
        labels = List.copyOf(labels);
        int n = labels.size();
        if (n == 0 || new HashSet<>(labels).size() != n) {
            throw new IllegalArgumentException("classifier labels must be distinct and non-empty: " + labels);
        }
        if (!weight.isFloat() || weight.shape().length != 2 || weight.shape()[0] != n) {
            throw new IllegalArgumentException("classifier.weight must be float[" + n + ", hidden], is " + weight);
        }
        if (!bias.isFloat() || bias.shape().length != 1 || bias.shape()[0] != n) {
            throw new IllegalArgumentException("classifier.bias must be float[" + n + "], is " + bias);
        }
    }

    public int inputSize() {
        return (int) weight.shape()[1];
    }
}

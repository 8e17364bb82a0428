package dev.sparkft.spark.executor;

import dev.sparkft.eval.ConfusionMatrix;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The windows of a windowed validation set put back together: per document (its {@code document} number),
 * its label and the sum of its windows' class probabilities (softmax of the model's logits). The document's
 * prediction is the class of the highest mean probability. Executors add their windows; a document's
 * windows may sit in several partitions, so the driver merges the partial sums before deciding.
 */
public final class DocumentScores implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<Integer, double[]> probabilitySums = new HashMap<>();
    private final Map<Integer, Integer> labels = new HashMap<>();
    private final Map<Integer, Integer> windows = new HashMap<>();
    private final String path;

    /** {@code path}: the validation set, to name it in errors. */
    public DocumentScores(String path) {
        this.path = path;
    }

    /** Adds one window: {@code logits[offset, offset + k)} of document {@code document} labelled {@code label}. */
    void add(int document, int label, float[] logits, int offset, int k) {
        requireLabel(document, label);
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double[] p = new double[k];
        double total = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(logits[offset + c] - max);
            total += p[c];
        }
        double[] sum = probabilitySums.computeIfAbsent(document, d -> new double[k]);
        for (int c = 0; c < k; c++) {
            sum[c] += p[c] / total;
        }
        windows.merge(document, 1, Integer::sum);
    }

    /** Adds {@code other}'s windows into this one. */
    DocumentScores merge(DocumentScores other) {
        for (Map.Entry<Integer, double[]> e : other.probabilitySums.entrySet()) {
            int document = e.getKey();
            requireLabel(document, other.labels.get(document));
            double[] sum = probabilitySums.computeIfAbsent(document, d -> new double[e.getValue().length]);
            for (int c = 0; c < sum.length; c++) {
                sum[c] += e.getValue()[c];
            }
            windows.merge(document, other.windows.get(document), Integer::sum);
        }
        return this;
    }

    /** Records {@code label} as the document's, failing if another window of it said otherwise. */
    private void requireLabel(int document, int label) {
        Integer known = labels.putIfAbsent(document, label);
        if (known != null && known != label) {
            throw new IllegalArgumentException("document " + document + " in " + path + " has windows labelled "
                    + known + " and " + label + "; all windows of a document carry its label");
        }
    }

    public int documents() {
        return labels.size();
    }

    public int windows() {
        return windows.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** (label, class of the highest mean probability) of every document. */
    public ConfusionMatrix matrix(List<String> classNames) {
        ConfusionMatrix matrix = new ConfusionMatrix(classNames);
        for (Map.Entry<Integer, double[]> e : probabilitySums.entrySet()) {
            double[] sum = e.getValue();
            int best = 0;
            for (int c = 1; c < sum.length; c++) {
                if (sum[c] > sum[best]) {
                    best = c;
                }
            }
            matrix.add(labels.get(e.getKey()), best);
        }
        return matrix;
    }
}

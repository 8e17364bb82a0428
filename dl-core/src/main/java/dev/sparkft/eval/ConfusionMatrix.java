package dev.sparkft.eval;

import java.io.Serializable;
import java.util.List;

/**
 * Counts of (true class, predicted class) pairs. Mergeable, so executors count their partitions and the
 * driver adds the matrices up.
 */
public final class ConfusionMatrix implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> labels;
    private final long[][] counts;

    public ConfusionMatrix(List<String> labels) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("a confusion matrix needs at least one class");
        }
        this.labels = List.copyOf(labels);
        this.counts = new long[labels.size()][labels.size()];
    }

    public void add(int actual, int predicted) {
        check(actual, "actual");
        check(predicted, "predicted");
        counts[actual][predicted]++;
    }

    /** Adds {@code other}'s counts into this one; both must have the same classes in the same order. */
    public ConfusionMatrix merge(ConfusionMatrix other) {
        if (!labels.equals(other.labels)) {
            throw new IllegalArgumentException("cannot merge confusion matrices over " + labels + " and " + other.labels);
        }
        for (int i = 0; i < counts.length; i++) {
            for (int j = 0; j < counts.length; j++) {
                counts[i][j] += other.counts[i][j];
            }
        }
        return this;
    }

    public List<String> labels() {
        return labels;
    }

    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    public long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    private void check(int cls, String what) {
        if (cls < 0 || cls >= labels.size()) {
            throw new IllegalArgumentException(what + " class id " + cls + " outside [0, " + labels.size() + ")");
        }
    }
}

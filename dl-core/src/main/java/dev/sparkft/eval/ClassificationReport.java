package dev.sparkft.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-class precision, recall, F1 and support, accuracy, macro and support-weighted averages, computed
 * from a {@link ConfusionMatrix}; {@link #format()} prints it with the matrix, as people know it from
 * scikit-learn. A class never predicted has precision 0 (and never present, recall 0), not NaN.
 */
public record ClassificationReport(List<ClassMetrics> classes, double accuracy, ClassMetrics macroAvg,
                                   ClassMetrics weightedAvg, ConfusionMatrix matrix) {

    /** Metrics of one class (or an average, whose {@code label} is "macro avg" / "weighted avg"). */
    public record ClassMetrics(String label, double precision, double recall, double f1, long support) {
    }

    public static ClassificationReport of(ConfusionMatrix m) {
        int k = m.labels().size();
        List<ClassMetrics> classes = new ArrayList<>(k);
        long total = m.total();
        long correct = 0;
        double[] macro = new double[3];
        double[] weighted = new double[3];
        for (int c = 0; c < k; c++) {
            long tp = m.count(c, c);
            long predicted = 0;
            long actual = 0;
            for (int o = 0; o < k; o++) {
                predicted += m.count(o, c);
                actual += m.count(c, o);
            }
            correct += tp;
            double p = predicted == 0 ? 0 : (double) tp / predicted;
            double r = actual == 0 ? 0 : (double) tp / actual;
            double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
            classes.add(new ClassMetrics(m.labels().get(c), p, r, f1, actual));
            macro[0] += p / k;
            macro[1] += r / k;
            macro[2] += f1 / k;
            if (total > 0) {
                weighted[0] += p * actual / total;
                weighted[1] += r * actual / total;
                weighted[2] += f1 * actual / total;
            }
        }
        double accuracy = total == 0 ? 0 : (double) correct / total;
        return new ClassificationReport(classes, accuracy,
                new ClassMetrics("macro avg", macro[0], macro[1], macro[2], total),
                new ClassMetrics("weighted avg", weighted[0], weighted[1], weighted[2], total), m);
    }

    public String format() {
        int width = Math.max(12, classes.stream().mapToInt(c -> c.label().length()).max().orElse(0));
        StringBuilder sb = new StringBuilder();
        String head = "%" + width + "s %10s %10s %10s %10s%n";
        String row = "%" + width + "s %10.4f %10.4f %10.4f %10d%n";
        sb.append(String.format(Locale.ROOT, head, "", "precision", "recall", "f1-score", "support"));
        for (ClassMetrics c : classes) {
            sb.append(String.format(Locale.ROOT, row, c.label(), c.precision(), c.recall(), c.f1(), c.support()));
        }
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "%" + width + "s %10s %10s %10.4f %10d%n", "accuracy", "", "",
                accuracy, matrix.total()));
        for (ClassMetrics c : List.of(macroAvg, weightedAvg)) {
            sb.append(String.format(Locale.ROOT, row, c.label(), c.precision(), c.recall(), c.f1(), c.support()));
        }
        sb.append("\nconfusion matrix (rows: actual, columns: predicted)\n");
        sb.append(String.format(Locale.ROOT, "%" + width + "s", ""));
        for (String l : matrix.labels()) {
            sb.append(String.format(Locale.ROOT, " %10s", abbreviate(l)));
        }
        sb.append('\n');
        for (int a = 0; a < matrix.labels().size(); a++) {
            sb.append(String.format(Locale.ROOT, "%" + width + "s", matrix.labels().get(a)));
            for (int p = 0; p < matrix.labels().size(); p++) {
                sb.append(String.format(Locale.ROOT, " %10d", matrix.count(a, p)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 10 ? s : s.substring(0, 9) + "…";
    }
}

package dev.sparkft.data.image;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Driver-side: which items of a labelled set are kept, and whether each goes to the training or the validation
 * split. Stratified: every label value keeps its share of the set (largest-remainder rounding) and of each
 * split. Deterministic: the result depends only on the labels, the limit, the fraction and the seed; each label's
 * items are shuffled by their own {@link Random} so one class's selection never depends on another's.
 */
public final class StratifiedSplit {
    public static final byte DROPPED = -1;
    public static final byte TRAIN = 0;
    public static final byte VALIDATION = 1;

    private StratifiedSplit() {
    }

    /**
     * @param labels raw label per item (invalid values are split like any other and rejected later, so the
     *               rejects report sees them)
     * @param limit  how many items to keep in all; 0 keeps every item
     * @return one of {@link #DROPPED}, {@link #TRAIN}, {@link #VALIDATION} per item
     */
    public static byte[] assign(int[] labels, int limit, double validationFraction, long seed) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 1), got " + validationFraction);
        }
        return assign(labels, limit, new double[] {validationFraction}, seed);
    }

    /**
     * The same with more held-out splits: of each label's kept items (in their shuffled order), the first
     * {@code round(kept * fractions[0])} get split 1 ({@link #VALIDATION}), the next {@code round(kept *
     * fractions[1])} split 2, and so on; the rest get {@link #TRAIN}. With one fraction this is exactly
     * {@link #assign(int[], int, double, long)}.
     */
    public static byte[] assign(int[] labels, int limit, double[] fractions, long seed) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 keeps all), got " + limit);
        }
        double sum = 0;
        for (double f : fractions) {
            if (!(f >= 0 && f < 1)) {
                throw new IllegalArgumentException("split fractions must be in [0, 1), got " + f);
            }
            sum += f;
        }
        if (!(sum < 1) || fractions.length > Byte.MAX_VALUE - 1) {
            throw new IllegalArgumentException("held-out split fractions " + java.util.Arrays.toString(fractions)
                    + " must leave some data for training (sum < 1)");
        }
        Map<Integer, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < labels.length; i++) {
            byLabel.computeIfAbsent(labels[i], k -> new ArrayList<>()).add(i);
        }
        int keep = limit == 0 ? labels.length : Math.min(limit, labels.length);
        Map<Integer, Integer> quota = quotas(byLabel, labels.length, keep);

        byte[] split = new byte[labels.length];
        java.util.Arrays.fill(split, DROPPED);
        for (Map.Entry<Integer, List<Integer>> e : byLabel.entrySet()) {
            List<Integer> items = e.getValue();
            Collections.shuffle(items, new Random(seed * 1_000_003L + e.getKey()));
            int take = quota.get(e.getKey());
            int r = 0;
            for (int s = 0; s < fractions.length; s++) {
                int n = (int) Math.round(take * fractions[s]);
                for (int end = Math.min(take, r + n); r < end; r++) {
                    split[items.get(r)] = (byte) (s + 1);
                }
            }
            for (; r < take; r++) {
                split[items.get(r)] = TRAIN;
            }
        }
        return split;
    }

    /** Per-label counts proportional to the label's frequency, summing exactly to {@code keep}. */
    private static Map<Integer, Integer> quotas(Map<Integer, List<Integer>> byLabel, int total, int keep) {
        Map<Integer, Integer> quota = new TreeMap<>();
        List<double[]> remainders = new ArrayList<>(); // {label, fractional part}
        int given = 0;
        for (Map.Entry<Integer, List<Integer>> e : byLabel.entrySet()) {
            double exact = (double) keep * e.getValue().size() / total;
            int q = (int) Math.floor(exact);
            quota.put(e.getKey(), q);
            given += q;
            remainders.add(new double[] {e.getKey(), exact - q});
        }
        // the largest fractional parts get the leftover items; ties go to the smaller label
        remainders.sort((a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
        for (int r = 0; given < keep; r++, given++) {
            quota.merge((int) remainders.get(r)[0], 1, Integer::sum);
        }
        return quota;
    }
}

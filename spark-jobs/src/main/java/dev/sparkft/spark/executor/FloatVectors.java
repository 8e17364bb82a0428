package dev.sparkft.spark.executor;

import java.util.stream.IntStream;

/** Checks and scaling of flat {@code float[]} vectors (gradient sums, deltas) before they become ND4J arrays. */
public final class FloatVectors {
    private FloatVectors() {
    }

    public static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The driver's one pass over a round's summed vector: {@link #scale} it unless a value is not finite, and
     * say whether all were (if not, part of it is scaled: the round is skipped or fails). Chunks run in
     * parallel, as the driver's cores are idle between rounds; each element's result does not depend on them.
     */
    public static boolean scaleIfFinite(float[] v, double factor) {
        int chunk = 1 << 20;
        return IntStream.range(0, (v.length + chunk - 1) / chunk).parallel().allMatch(c -> {
            int end = Math.min(v.length, (c + 1) * chunk);
            for (int i = c * chunk; i < end; i++) {
                if (!Float.isFinite(v[i])) {
                    return false;
                }
                v[i] = (float) (v[i] * factor);
            }
            return true;
        });
    }

    /** Multiplies in place, in double per element (one rounding, like dividing a sum by its weight). */
    public static void scale(float[] v, double factor) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] * factor);
        }
    }
}

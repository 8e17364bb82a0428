package dev.sparkft.spark.executor;

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

    /** Multiplies in place, in double per element (one rounding, like dividing a sum by its weight). */
    public static void scale(float[] v, double factor) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] * factor);
        }
    }
}

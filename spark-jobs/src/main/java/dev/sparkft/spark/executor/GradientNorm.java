package dev.sparkft.spark.executor;

/** Finiteness, global L2 norm, scaling and norm clipping of a flat gradient held as {@code float[]} (sums in double). */
public final class GradientNorm {
    private GradientNorm() {
    }

    public static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    public static double of(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    public static void scale(float[] v, double factor) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] * factor);
        }
    }

    /** Scales {@code v} down to norm {@code maxNorm} if it is longer (0 = off); returns the norm before. */
    public static double clip(float[] v, double maxNorm) {
        double norm = of(v);
        if (maxNorm > 0 && norm > maxNorm) {
            scale(v, maxNorm / norm);
        }
        return norm;
    }
}

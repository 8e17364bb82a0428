package dev.sparkft.spark.executor;

import java.io.Serializable;

/**
 * A vector of {@code length} values cut into {@code count} consecutive slices of nearly equal size (the first
 * {@code length % count} one value longer): the chunks of a broadcast, the slices of a reduce-scatter.
 */
public record Slices(int length, int count) implements Serializable {
    public Slices {
        if (length < 1 || count < 1 || count > length) {
            throw new IllegalArgumentException("cannot cut " + length + " values into " + count + " slices");
        }
    }

    /**
     * At least {@code atLeast} slices (at most one per value), and as many more as keep each below
     * {@code maxValues} values.
     */
    public static Slices of(int length, int atLeast, int maxValues) {
        long needed = Math.max(atLeast, (length + (long) maxValues - 1) / maxValues);
        return new Slices(length, (int) Math.min(length, needed));
    }

    public int from(int slice) {
        int base = length / count;
        int longer = length % count;
        return slice * base + Math.min(slice, longer);
    }

    public int to(int slice) {
        return from(slice + 1);
    }
}

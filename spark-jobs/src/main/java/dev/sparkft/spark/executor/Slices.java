package dev.sparkft.spark.executor;

import java.io.Serializable;

/**
 * A vector of {@code length} values cut into {@code count} consecutive slices of nearly equal size (the first
 * {@code length % count} one value longer): the chunks of a broadcast, the slices of a reduce-scatter.
 */
public record Slices(int length, int count, int align) implements Serializable {
    public Slices {
        if (length < 1 || count < 1 || count > (length + align - 1) / align || align < 1) {
            throw new IllegalArgumentException("cannot cut " + length + " values into " + count + " slices");
        }
    }

    public Slices(int length, int count) {
        this(length, count, 1);
    }

    /**
     * At least {@code atLeast} slices (at most one per value), and as many more as keep each below
     * {@code maxValues} values.
     */
    public static Slices of(int length, int atLeast, int maxValues) {
        long needed = Math.max(atLeast, (length + (long) maxValues - 1) / maxValues);
        return new Slices(length, (int) Math.min(length, needed));
    }

    /**
     * As {@link #of(int, int, int)}, with every slice but the first starting at a multiple of {@code align} (the
     * int8 blocks of a compressed vector, which a slice must not cut).
     */
    public static Slices of(int length, int atLeast, int maxValues, int align) {
        if (align == 1) {
            return of(length, atLeast, maxValues);
        }
        int units = (int) ((length + (long) align - 1) / align);
        Slices blocks = of(units, atLeast, Math.max(1, maxValues / align));
        return new Slices(length, blocks.count(), align);
    }

    public int from(int slice) {
        if (align > 1) {
            int units = (length + align - 1) / align;
            return (int) Math.min(length, (long) new Slices(units, count).from(slice) * align);
        }
        int base = length / count;
        int longer = length % count;
        return slice * base + Math.min(slice, longer);
    }

    public int to(int slice) {
        return from(slice + 1);
    }
}

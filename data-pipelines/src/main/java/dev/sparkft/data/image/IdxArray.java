package dev.sparkft.data.image;

import java.util.Arrays;

/**
 * The content of one IDX ubyte file: its dimensions (first = number of items) and the raw bytes, row-major.
 * {@code source} names the file so later checks can say which one is wrong.
 */
public record IdxArray(String source, int[] dims, byte[] data) {

    public IdxArray {
        if (dims.length == 0) {
            throw new IllegalArgumentException(source + ": an IDX array needs at least one dimension");
        }
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(source + ": dimensions " + Arrays.toString(dims) + " hold " + n
                    + " bytes, data has " + data.length);
        }
    }

    /** Number of items (the first dimension). */
    public int count() {
        return dims[0];
    }

    /** Bytes per item: the product of the dimensions after the first. */
    public int itemSize() {
        return count() == 0 ? 0 : data.length / count();
    }

    /** Item {@code i} as an unsigned value; only for one-dimensional arrays such as labels. */
    public int unsignedAt(int i) {
        return data[i] & 0xff;
    }

    /** A copy of item {@code i}'s bytes. */
    public byte[] item(int i) {
        int size = itemSize();
        return Arrays.copyOfRange(data, i * size, (i + 1) * size);
    }
}

package dev.sparkft.spark.executor;

/**
 * A 64-bit running hash of one example's values (FNV-1a over their bits, then a final mix), seeded with the
 * example's global index: summing the examples' hashes gives a dataset fingerprint that changes when any
 * value changes or the examples are numbered differently, and does not depend on how rows are partitioned.
 * Not cryptographic: it guards resumes against changed or reordered data, not against an adversary.
 */
final class Fingerprint {
    private static final long PRIME = 0x100000001b3L;
    private long h;

    /** Starts the hash of the example numbered {@code index}. */
    Fingerprint start(long index) {
        h = 0xcbf29ce484222325L;
        add(index);
        return this;
    }

    void add(long v) {
        for (int i = 0; i < 8; i++) {
            h = (h ^ ((v >>> (8 * i)) & 0xff)) * PRIME;
        }
    }

    void add(int v) {
        add((long) v);
    }

    void add(float v) {
        add((long) Float.floatToIntBits(v));
    }

    void add(byte[] bytes) {
        add((long) bytes.length);
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * PRIME;
        }
    }

    /** The example's hash, mixed so that sums of nearby hashes do not cancel. */
    long value() {
        long z = h;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}

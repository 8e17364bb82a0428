package dev.sparkft.spark.driver;

import java.util.SplittableRandom;

/**
 * Which examples form the global batch of each step (docs/design.md, "Determinism of the global batch"):
 * step {@code t} takes {@code perm_e[(t mod S) * B, + B)} with {@code perm_e} a permutation of all
 * {@code N} global indices seeded by {@code (seed, e = t / S)} and {@code S = floor(N / B)}. A pure
 * function of the step: independent of the partition count, and a resumed run sees the same data.
 */
public final class GlobalBatchPlan {
    private final long seed;
    private final long examples;
    private final int globalBatch;
    private final long stepsPerEpoch;
    private long cachedEpoch = -1;
    private int[] cachedPermutation;

    public GlobalBatchPlan(long seed, long examples, int globalBatch) {
        if (examples < globalBatch) {
            throw new IllegalArgumentException("the training set has " + examples
                    + " examples, fewer than training.globalBatch (" + globalBatch + ")");
        }
        if (examples > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("datasets above 2^31 examples are not supported: " + examples);
        }
        this.seed = seed;
        this.examples = examples;
        this.globalBatch = globalBatch;
        this.stepsPerEpoch = examples / globalBatch;
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    public long examples() {
        return examples;
    }

    public long epochOf(long step) {
        return step / stepsPerEpoch;
    }

    /**
     * A partitioner for epoch {@code epoch} that gives each of {@code partitions} partitions the same share
     * of every global batch of that epoch (to within one example when the partition count does not divide
     * the batch).
     */
    public BatchAlignedPartitioner partitionerFor(long epoch, int partitions) {
        return new BatchAlignedPartitioner(seed, (int) examples, globalBatch, epoch, partitions);
    }

    /** Global example indices of step {@code step}'s batch, in batch order. */
    public long[] batch(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("negative step " + step);
        }
        int[] perm = permutation(step / stepsPerEpoch);
        int from = (int) ((step % stepsPerEpoch) * globalBatch);
        long[] out = new long[globalBatch];
        for (int i = 0; i < globalBatch; i++) {
            out[i] = perm[from + i];
        }
        return out;
    }

    private int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            cachedPermutation = permutation(seed, epoch, (int) examples);
            cachedEpoch = epoch;
        }
        return cachedPermutation;
    }

    /** {@code perm_e}: the order of all {@code n} global indices in epoch {@code epoch}. */
    static int[] permutation(long seed, long epoch, int n) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        // SplittableRandom (SplitMix64) yields one fixed sequence per seed: the same order on every JVM.
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }
}

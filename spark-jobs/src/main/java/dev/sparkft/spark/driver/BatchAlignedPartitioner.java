package dev.sparkft.spark.driver;

import java.util.Objects;
import org.apache.spark.Partitioner;

/**
 * Places the training rows (keyed by global index) for one epoch of a {@link GlobalBatchPlan} so that every
 * global batch of that epoch splits evenly over the partitions: the example at position {@code q} of its
 * batch goes to partition {@code floor(q * P / B)}. A synchronous round waits for its largest share, so
 * with hash placement (binomial shares: 18.6 of 32 on average for the larger of two) the round took the
 * time of that larger share; here every share is {@code B / P}.
 *
 * <p>Created on the driver, called in the shuffle's map tasks on executors: it carries only the plan's
 * numbers and rebuilds the epoch's permutation there, once per deserialised copy.
 */
public final class BatchAlignedPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;

    private final long seed;
    private final int examples;
    private final int globalBatch;
    private final long epoch;
    private final int partitions;
    private transient int[] partitionOf;

    BatchAlignedPartitioner(long seed, int examples, int globalBatch, long epoch, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        this.seed = seed;
        this.examples = examples;
        this.globalBatch = globalBatch;
        this.epoch = epoch;
        this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        long index = (Long) key;
        if (index < 0 || index >= examples) {
            throw new IllegalArgumentException("global index " + index + " outside the plan's " + examples + " examples");
        }
        return table()[(int) index];
    }

    private synchronized int[] table() {
        if (partitionOf == null) {
            int[] perm = GlobalBatchPlan.permutation(seed, epoch, examples);
            int inBatches = examples / globalBatch * globalBatch;
            int[] table = new int[examples];
            for (int position = 0; position < examples; position++) {
                // Examples after the last full batch belong to no step of this epoch: spread them round-robin.
                table[perm[position]] = position < inBatches
                        ? (int) ((long) (position % globalBatch) * partitions / globalBatch)
                        : position % partitions;
            }
            partitionOf = table;
        }
        return partitionOf;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchAlignedPartitioner p && p.seed == seed && p.examples == examples
                && p.globalBatch == globalBatch && p.epoch == epoch && p.partitions == partitions;
    }

    @Override
    public int hashCode() {
        return Objects.hash(seed, examples, globalBatch, epoch, partitions);
    }
}

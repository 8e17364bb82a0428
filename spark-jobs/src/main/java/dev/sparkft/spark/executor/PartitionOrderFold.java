package dev.sparkft.spark.executor;

import java.util.TreeMap;
import org.apache.spark.api.java.function.Function2;

/**
 * The one fold of a round: one value per partition, added in partition index order ({@code ((r0 + r1) + r2) + …})
 * whatever order they arrive in. Float addition is not associative, so this order is what makes a round's sum,
 * and so a run, bit-identical between local mode ({@link InProcessRound}), a cluster (each slice of the
 * reduce-scatter is folded by one task) and a rerun of lost partitions. Values that arrive ahead of their turn
 * wait; the rest are folded at once. Not thread-safe: the caller serialises {@link #add}.
 */
public final class PartitionOrderFold<T> {
    private final int partitions;
    private final Function2<T, T, T> merge;
    private final TreeMap<Integer, T> waiting = new TreeMap<>();
    private int next;
    private T total;

    public PartitionOrderFold(int partitions, Function2<T, T, T> merge) {
        if (partitions < 1) {
            throw new IllegalArgumentException("a fold needs at least one partition, got " + partitions);
        }
        this.partitions = partitions;
        this.merge = merge;
    }

    /** Adds partition {@code partition}'s value, or holds it until every lower partition's value is in. */
    public void add(int partition, T value) throws Exception {
        if (partition < 0 || partition >= partitions || partition < next || waiting.containsKey(partition)) {
            throw new IllegalStateException("partition " + partition + " handed a second result, or one out of range,"
                    + " to a fold over " + partitions + " partitions; a partition's worker must return exactly one");
        }
        waiting.put(partition, value);
        while (!waiting.isEmpty() && waiting.firstKey() == next) {
            T v = waiting.pollFirstEntry().getValue();
            total = next++ == 0 ? v : merge.call(total, v);
        }
    }

    /** The sum of all partitions' values; fails naming the first partition that handed none. */
    public T result() {
        if (next < partitions) {
            throw new IllegalStateException("partition " + next + " of " + partitions + " handed no result");
        }
        return total;
    }
}

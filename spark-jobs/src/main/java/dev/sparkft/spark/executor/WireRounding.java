package dev.sparkft.spark.executor;

import dev.sparkft.data.text.PartitionIterators;
import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * Executor: runs a round's worker on a partition and rounds its result to the wire's precision, where it is
 * produced, in local mode and on a cluster alike ({@link WirePrecision}).
 */
public final class WireRoundedWorker<R> implements FlatMapFunction<Iterator<R>, PartialSum> {
    private static final long serialVersionUID = 1L;
    private final FlatMapFunction<Iterator<R>, PartialSum> worker;
    private final WirePrecision precision;

    public WireRoundedWorker(FlatMapFunction<Iterator<R>, PartialSum> worker, WirePrecision precision) {
        this.worker = worker;
        this.precision = precision;
    }

    @Override
    public Iterator<PartialSum> call(Iterator<R> partition) throws Exception {
        return PartitionIterators.map(worker.call(partition), sum -> sum.roundForWire(precision));
    }
}

package dev.sparkft.spark.executor;

import dev.sparkft.data.text.PartitionIterators;
import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * Executor: rounds each partition's result to the wire's precision where it is produced, in local mode and on a
 * cluster alike ({@link WirePrecision}).
 */
public final class WireRounding implements FlatMapFunction<Iterator<PartialSum>, PartialSum> {
    private static final long serialVersionUID = 1L;
    private final WirePrecision precision;

    public WireRounding(WirePrecision precision) {
        this.precision = precision;
    }

    @Override
    public Iterator<PartialSum> call(Iterator<PartialSum> sums) {
        return PartitionIterators.map(sums, sum -> sum.roundForWire(precision));
    }
}

package dev.sparkft.spark.executor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import scala.Tuple2;

/**
 * Executor side of the reduce-scatter: {@link Out} cuts each partition's vector into the round's slices, keyed
 * by slice, for the shuffle; {@link Sum} (one task per slice) adds one slice over all partitions with the
 * {@link PartitionOrderFold} and sends that single slice sum to the driver, rounded to the wire's precision.
 */
public final class SliceFold {
    private SliceFold() {
    }

    /** Map side: partition p's sum becomes {@code (s, (p, slice s))} for every slice s, produced one at a time. */
    public static final class Out implements PairFlatMapFunction<PartialSum, Integer, Tuple2<Integer, PartialSum>> {
        private static final long serialVersionUID = 1L;
        private final Slices slices;

        public Out(Slices slices) {
            this.slices = slices;
        }

        @Override
        public Iterator<Tuple2<Integer, Tuple2<Integer, PartialSum>>> call(PartialSum sum) {
            int partition = TaskContext.getPartitionId();
            if (sum.vector() != null && sum.vector().length != slices.length()) {
                throw new IllegalStateException("partition " + partition + " computed a vector of "
                        + sum.vector().length + " values for a model of " + slices.length()
                        + "; executors built different models");
            }
            // Lazily: the shuffle writer takes each slice before the next is copied.
            return new Iterator<>() {
                private int s;

                @Override
                public boolean hasNext() {
                    if (s < slices.count()) {
                        return true;
                    }
                    sum.release(); // every slice is a copy by now
                    return false;
                }

                @Override
                public Tuple2<Integer, Tuple2<Integer, PartialSum>> next() {
                    PartialSum part = sum.slice(slices.from(s), slices.to(s), s == 0);
                    return new Tuple2<>(s++, new Tuple2<>(partition, part));
                }
            };
        }
    }

    /** Reduce side: the sum of one slice over {@code partitions} partitions, in partition order. */
    public static final class Sum implements FlatMapFunction<Iterator<Tuple2<Integer, Tuple2<Integer, PartialSum>>>,
            PartialSum> {
        private static final long serialVersionUID = 1L;
        private final int partitions;
        private final WirePrecision precision;

        public Sum(int partitions, WirePrecision precision) {
            this.partitions = partitions;
            this.precision = precision;
        }

        @Override
        public Iterator<PartialSum> call(Iterator<Tuple2<Integer, Tuple2<Integer, PartialSum>>> records)
                throws Exception {
            PartitionOrderFold<PartialSum> fold = new PartitionOrderFold<>(partitions, PartialSum::merge);
            while (records.hasNext()) {
                Tuple2<Integer, PartialSum> r = records.next()._2();
                fold.add(r._1(), r._2());
            }
            List<PartialSum> out = new ArrayList<>(1);
            out.add(fold.result().roundForWire(precision));
            return out.iterator();
        }
    }
}

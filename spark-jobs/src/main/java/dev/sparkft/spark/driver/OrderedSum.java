package dev.sparkft.spark.driver;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * Sums one result per partition in partition order. {@code treeReduce} merges results in the order tasks
 * finish, so with three or more partitions the float sum (and so the whole run) differs in the last bits
 * from run to run; here the order is fixed, so a round, a resumed run and a recomputed lost partition are
 * bit-identical. Two levels like a tree reduce: groups of about sqrt(n) consecutive partitions are summed in
 * index order on executors, then the group sums in order on the driver, which never holds more than
 * sqrt(n) results at once.
 */
final class OrderedSum {
    /** Up to this many partitions, results go straight to the driver (a tree level costs a shuffle). */
    private static final int DIRECT = 4;

    private OrderedSum() {
    }

    /** Partitions per group: all of them up to {@value #DIRECT}, else about sqrt(n). */
    static int groupSize(int partitions) {
        return partitions <= DIRECT ? partitions : (int) Math.ceil(Math.sqrt(partitions));
    }

    static <T> T of(JavaRDD<T> partials, Function2<T, T, T> merge) throws Exception {
        int n = partials.getNumPartitions();
        if (n <= DIRECT) {
            return foldInOrder(partials.collect().iterator(), merge);
        }
        int groupSize = groupSize(n);
        int groups = (n + groupSize - 1) / groupSize;
        List<T> groupSums = partials
                .mapPartitionsWithIndex((index, it) -> {
                    List<Tuple2<Integer, Tuple2<Integer, T>>> out = new ArrayList<>(1);
                    while (it.hasNext()) {
                        out.add(new Tuple2<>(index / groupSize, new Tuple2<>(index, it.next())));
                    }
                    return out.iterator();
                }, false)
                .mapToPair(t -> t)
                .partitionBy(new GroupPartitioner(groups))
                .mapPartitions(it -> {
                    List<Tuple2<Integer, T>> members = new ArrayList<>();
                    it.forEachRemaining(t -> members.add(t._2()));
                    members.sort((a, b) -> Integer.compare(a._1(), b._1()));
                    List<T> out = new ArrayList<>(1);
                    if (!members.isEmpty()) {
                        out.add(foldInOrder(members.stream().map(Tuple2::_2).iterator(), merge));
                    }
                    return out.iterator();
                })
                .collect();
        return foldInOrder(groupSums.iterator(), merge);
    }

    private static <T> T foldInOrder(Iterator<T> values, Function2<T, T, T> merge) throws Exception {
        if (!values.hasNext()) {
            throw new IllegalStateException("no partition returned a result");
        }
        T sum = values.next();
        while (values.hasNext()) {
            sum = merge.call(sum, values.next());
        }
        return sum;
    }

    /** Sends group g to partition g, so collect() returns the group sums in group order. */
    private static final class GroupPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int groups;

        GroupPartitioner(int groups) {
            this.groups = groups;
        }

        @Override
        public int numPartitions() {
            return groups;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key;
        }
    }
}

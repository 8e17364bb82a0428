package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.executor.InProcessRound;
import dev.sparkft.spark.executor.PartialSum;
import dev.sparkft.spark.executor.PartitionOrderFold;
import dev.sparkft.spark.executor.RoundParameters;
import dev.sparkft.spark.executor.SliceFold;
import dev.sparkft.spark.executor.Slices;
import dev.sparkft.spark.executor.WirePrecision;
import dev.sparkft.spark.executor.WireRounding;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The communication of a round: the flat parameters go to a worker on every partition ({@code mapPartitions},
 * one result each), and the results are summed in partition order ({@link PartitionOrderFold}: the same bits
 * whatever order tasks finish in, and whichever path below carries them).
 *
 * <p>On a cluster the parameters travel as broadcasts (in chunks, destroyed after the round), and a training
 * round's vectors are summed by a reduce-scatter on the executors: each partition's vector is cut into slices
 * (at least one per partition, each below the chunk size), a shuffle brings slice s of every partition to one
 * task, which adds them up in partition order, and the driver receives each slice sum once, about 1 × |θ| per
 * round whatever the partition count. In local mode the tasks run in this JVM, so both pass by reference
 * ({@link InProcessRound}), folded in the same order: a round there moves no vector bytes, with the same bits.
 */
final class RoundRunner {
    private RoundRunner() {
    }

    /** A training round: the sum of every partition's {@link PartialSum}, vectors in the wire's precision. */
    static PartialSum sum(JavaSparkContext sc, IndexedDataset data, float[] params, Communication communication,
            Function<RoundParameters, FlatMapFunction<Iterator<Tuple2<Long, Row>>, PartialSum>> workerFor) {
        return sum(sc, data.rows(), params, communication, workerFor, sc.isLocal());
    }

    /** The same, {@code inProcess} or through broadcasts and the reduce-scatter (tests take both in local mode). */
    static <R> PartialSum sum(JavaSparkContext sc, JavaPairRDD<Long, R> rows, float[] params,
            Communication communication,
            Function<RoundParameters, FlatMapFunction<Iterator<Tuple2<Long, R>>, PartialSum>> workerFor,
            boolean inProcess) {
        return sum(sc, rows.getNumPartitions(), params, communication,
                parameters -> rows.mapPartitions(workerFor.apply(parameters)), inProcess);
    }

    /**
     * The sum of the partitions' results that {@code sumsFor} computes (one per partition, lazily: this method's
     * job runs them) from the parameters it is given.
     */
    static PartialSum sum(JavaSparkContext sc, int partitions, float[] params, Communication communication,
            Function<RoundParameters, JavaRDD<PartialSum>> sumsFor, boolean inProcess) {
        WirePrecision wire = communication.precision();
        wire.round(params); // the round's own copy: executors compute with what the wire carries
        if (inProcess) {
            try (InProcessRound<PartialSum> round = InProcessRound.open(params, partitions, PartialSum::merge)) {
                sumsFor.apply(round.parameters()).foreachPartition(round.parking(new WireRounding(wire)));
                return round.sum().roundForWire(wire);
            }
        }
        try (ParameterBroadcast broadcast = ParameterBroadcast.of(sc, params, wire, communication.chunkValues())) {
            Slices slices = Slices.of(params.length, partitions, communication.chunkValues(),
                    communication.compression().alignment());
            List<PartialSum> sums = sumsFor.apply(broadcast.parameters())
                    .mapPartitions(new WireRounding(wire))
                    .flatMapToPair(new SliceFold.Out(slices))
                    .partitionBy(new ByKey(slices.count()))
                    .mapPartitions(new SliceFold.Sum(partitions, wire))
                    .collect();
            return PartialSum.concat(sums, params.length);
        }
    }

    /**
     * Any other per-partition result {@code T} that {@code merge} adds up (evaluation): fp32 parameters, the small
     * results collected whole and folded in partition order.
     */
    static <T> T run(JavaSparkContext sc, IndexedDataset data, float[] params,
            Function<RoundParameters, FlatMapFunction<Iterator<Tuple2<Long, Row>>, T>> workerFor,
            Function2<T, T, T> merge) {
        JavaPairRDD<Long, Row> rows = data.rows();
        int partitions = rows.getNumPartitions();
        if (sc.isLocal()) {
            try (InProcessRound<T> round = InProcessRound.open(params, partitions, merge)) {
                rows.foreachPartition(round.parking(workerFor.apply(round.parameters())));
                return round.sum();
            }
        }
        try (ParameterBroadcast broadcast = ParameterBroadcast.of(sc, params)) {
            List<T> results = rows.mapPartitions(workerFor.apply(broadcast.parameters())).collect();
            PartitionOrderFold<T> fold = new PartitionOrderFold<>(partitions, merge);
            for (int p = 0; p < results.size(); p++) {
                fold.add(p, results.get(p));
            }
            return fold.result();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("summing the round's partition results failed", e);
        }
    }

    /** Message for a non-finite round, naming the steps and, when known, the first suspicious example. */
    static String nonFiniteMessage(long step, int steps, PartialSum sum, String trainPath) {
        String which = steps == 1 ? "step " + step : "steps " + step + ".." + (step + steps - 1);
        String where = sum.firstNonFinite() >= 0
                ? " (first in the micro-batch starting at example " + sum.firstNonFinite() + " of " + trainPath + ")"
                : "";
        return which + ": non-finite loss or gradient" + where
                + "; check the data for NaN/Inf values or lower the learning rate, or set onNonFinite: skip";
    }

    /** Sends key k (a slice) to partition k, so collect() returns the slice sums in slice order. */
    private static final class ByKey extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int partitions;

        ByKey(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key;
        }
    }
}

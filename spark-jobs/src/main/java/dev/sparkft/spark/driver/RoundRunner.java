package dev.sparkft.spark.driver;

import dev.sparkft.spark.executor.BroadcastParameters;
import dev.sparkft.spark.executor.InProcessRound;
import dev.sparkft.spark.executor.PartialSum;
import dev.sparkft.spark.executor.RoundParameters;
import java.util.Iterator;
import java.util.function.Function;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The communication of a round: the flat parameters go to a worker on every partition ({@code mapPartitions},
 * one result each), and the results are summed in partition order ({@link OrderedSum}: no zero value shipped
 * to tasks; the same bits whatever order tasks finish in).
 *
 * <p>On a cluster the parameters travel as a broadcast, destroyed after the round, and the results as task
 * results. In local mode the tasks run in this JVM, so both pass by reference ({@link InProcessRound}), folded
 * in the same order: a round there moves no vector bytes, with the same bits as on a cluster.
 */
final class RoundRunner {
    private RoundRunner() {
    }

    static PartialSum run(JavaSparkContext sc, IndexedDataset data, float[] params,
            Function<RoundParameters, FlatMapFunction<Iterator<Tuple2<Long, Row>>, PartialSum>> workerFor) {
        return run(sc, data, params, workerFor, PartialSum::merge);
    }

    /** The same for any per-partition result {@code T} that {@code merge} adds up. */
    static <T> T run(JavaSparkContext sc, IndexedDataset data, float[] params,
            Function<RoundParameters, FlatMapFunction<Iterator<Tuple2<Long, Row>>, T>> workerFor,
            Function2<T, T, T> merge) {
        JavaPairRDD<Long, Row> rows = data.rows();
        if (sc.isLocal()) {
            int n = rows.getNumPartitions();
            try (InProcessRound<T> round = InProcessRound.open(params, n, OrderedSum.groupSize(n), merge)) {
                rows.foreachPartition(round.parking(workerFor.apply(round.parameters())));
                return round.sum();
            }
        }
        Broadcast<float[]> broadcast = sc.broadcast(params);
        try {
            return OrderedSum.of(rows.mapPartitions(workerFor.apply(new BroadcastParameters(broadcast))), merge);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("summing the round's partition results failed", e);
        } finally {
            broadcast.destroy();
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
}

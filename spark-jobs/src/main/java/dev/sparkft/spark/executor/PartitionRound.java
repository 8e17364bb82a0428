package dev.sparkft.spark.executor;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.FlatMapFunction2;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Executor side of a round whose partitions keep state ({@code driver.PartitionStates}): {@link #worker} zips a
 * partition's rows with its previous state, runs the {@link PartitionWorker}, compresses its vector with error
 * feedback when asked, emits the new state (which Spark stores on this executor) and parks the partition's
 * {@link PartialSum} in this JVM; {@link #take} then hands that sum on in the same task, so the sum travels the
 * way every round's sums do while the state never leaves the executor.
 */
public final class PartitionRound {
    /** Sums computed by this JVM's tasks and not yet taken, by (round, partition). */
    private static final Map<String, PartialSum> PARKED = new ConcurrentHashMap<>();

    private PartitionRound() {
    }

    /** Runs {@code worker} with compression {@code compression} for round {@code roundId}. */
    public static FlatMapFunction2<Iterator<Tuple2<Long, Row>>, Iterator<PartitionState>, PartitionState> worker(
            String roundId, PartitionWorker worker, DeltaCompression compression) {
        return new Work(roundId, worker, compression);
    }

    /** Takes the sum {@link #worker} parked for the same partition (after its state went by). */
    public static FlatMapFunction<Iterator<PartitionState>, PartialSum> take(String roundId) {
        return new Take(roundId);
    }

    private static String key(String roundId, int partition) {
        return roundId + "/" + partition;
    }

    private static final class Work
            implements FlatMapFunction2<Iterator<Tuple2<Long, Row>>, Iterator<PartitionState>, PartitionState> {
        private static final long serialVersionUID = 1L;
        private final String roundId;
        private final PartitionWorker worker;
        private final DeltaCompression compression;

        Work(String roundId, PartitionWorker worker, DeltaCompression compression) {
            this.roundId = roundId;
            this.worker = worker;
            this.compression = compression;
        }

        @Override
        public Iterator<PartitionState> call(Iterator<Tuple2<Long, Row>> rows, Iterator<PartitionState> states)
                throws Exception {
            int partition = TaskContext.getPartitionId();
            PartitionState previous = states.hasNext() ? states.next() : PartitionState.EMPTY;
            PartitionWorker.Output out = worker.call(rows, previous);
            PartialSum sum = out.sum();
            PartitionState next = out.state();
            if (compression.enabled()) {
                float[] v = sum.vector();
                float[] residual = previous.residual();
                if (v != null && sum.firstNonFinite() < 0) {
                    // A fresh residual: the stored previous state must stay as it was if this task is retried.
                    float[] r = residual == null ? new float[v.length] : residual.clone();
                    DeltaCompression.Result c = compression.compress(v, r);
                    sum.compressed(compression, c);
                    residual = r;
                }
                next = next.withResidual(residual);
            }
            PARKED.put(key(roundId, partition), sum);
            return List.of(next).iterator();
        }
    }

    private static final class Take implements FlatMapFunction<Iterator<PartitionState>, PartialSum> {
        private static final long serialVersionUID = 1L;
        private final String roundId;

        Take(String roundId) {
            this.roundId = roundId;
        }

        @Override
        public Iterator<PartialSum> call(Iterator<PartitionState> states) {
            int partition = TaskContext.getPartitionId();
            while (states.hasNext()) {
                states.next(); // computing the state parks the sum
            }
            PartialSum sum = PARKED.remove(key(roundId, partition));
            if (sum == null) {
                throw new IllegalStateException("partition " + partition + " of round " + roundId + " has a stored"
                        + " state but no result in this JVM: the task was run again after its state was stored (an"
                        + " executor was lost); the run stops, and train --resume continues exactly from the newest"
                        + " checkpoint");
            }
            return List.of(sum).iterator();
        }
    }
}

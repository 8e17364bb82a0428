package dev.sparkft.spark.executor;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.VoidFunction;

/**
 * A round in Spark local mode, where every task runs in the driver's JVM: the parameters reach the tasks, and
 * their results the driver, by reference. Through a broadcast and serialised task results the same vectors
 * would be copied about eight times per round (for MiniLM, 91 MB each; docs/benchmarks.md §5).
 *
 * <p>Results are folded as they arrive by the {@link PartitionOrderFold} a cluster round uses for each slice, so
 * a local run has the same bits as a cluster run, whatever order its tasks finish in, and holds only the
 * results that arrived ahead of their turn.
 *
 * <p>Driver: {@link #open}, run {@link #parking} on every partition, take {@link #sum}, {@link #close} (which also
 * drops what a failed job left). Tasks find the round by its id in this JVM.
 */
public final class InProcessRound<T> implements AutoCloseable {
    private static final Map<Long, InProcessRound<?>> OPEN = new ConcurrentHashMap<>();
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final float[] parameters;
    private final PartitionOrderFold<T> fold;

    private InProcessRound(float[] parameters, PartitionOrderFold<T> fold) {
        this.parameters = parameters;
        this.fold = fold;
    }

    /** Driver: opens a round over {@code partitions} partitions whose results {@code merge} adds up. */
    public static <T> InProcessRound<T> open(float[] parameters, int partitions, Function2<T, T, T> merge) {
        InProcessRound<T> round = new InProcessRound<>(parameters, new PartitionOrderFold<>(partitions, merge));
        OPEN.put(round.id, round);
        return round;
    }

    /** What the round's tasks read as parameters (serialised with the task: just the round's id). */
    public RoundParameters parameters() {
        return new Parameters(id);
    }

    /** The task function: runs {@code worker} on the partition and hands its one result to the round. */
    public <R> VoidFunction<Iterator<R>> parking(FlatMapFunction<Iterator<R>, T> worker) {
        return new Parking<>(id, worker);
    }

    /** Driver, after the job: the ordered sum of every partition's result. */
    public synchronized T sum() {
        try {
            return fold.result();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + " in in-process round " + id, e);
        }
    }

    @Override
    public void close() {
        OPEN.remove(id);
    }

    @SuppressWarnings("unchecked")
    private synchronized void park(int partition, Object result) throws Exception {
        fold.add(partition, (T) result);
    }

    private static InProcessRound<?> find(long id) {
        InProcessRound<?> round = OPEN.get(id);
        if (round == null) {
            throw new IllegalStateException("in-process round " + id + " is not open in this JVM: in-process rounds"
                    + " exist only in Spark local mode, where tasks run in the driver's JVM, and only while the"
                    + " driver runs the round");
        }
        return round;
    }

    private static final class Parameters implements RoundParameters {
        private static final long serialVersionUID = 1L;
        private final long roundId;

        Parameters(long roundId) {
            this.roundId = roundId;
        }

        @Override
        public String version() {
            return "in-process-" + roundId;
        }

        @Override
        public float[] value() {
            return find(roundId).parameters;
        }
    }

    private static final class Parking<R, T> implements VoidFunction<Iterator<R>> {
        private static final long serialVersionUID = 1L;
        private final long roundId;
        private final FlatMapFunction<Iterator<R>, T> worker;

        Parking(long roundId, FlatMapFunction<Iterator<R>, T> worker) {
            this.roundId = roundId;
            this.worker = worker;
        }

        @Override
        public void call(Iterator<R> partition) throws Exception {
            InProcessRound<?> round = find(roundId);
            Iterator<T> results = worker.call(partition);
            while (results.hasNext()) {
                round.park(TaskContext.getPartitionId(), results.next());
            }
        }
    }
}

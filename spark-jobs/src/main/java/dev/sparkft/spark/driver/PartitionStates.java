package dev.sparkft.spark.driver;

import dev.sparkft.spark.executor.DeltaCompression;
import dev.sparkft.spark.executor.PartialSum;
import dev.sparkft.spark.executor.PartitionRound;
import dev.sparkft.spark.executor.PartitionState;
import dev.sparkft.spark.executor.PartitionWorker;
import dev.sparkft.spark.executor.Slices;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Driver: where the partitions' round-to-round state lives (inner optimizer moments in averaging mode,
 * error-feedback residuals with compression; {@link PartitionState}). It stays on the executors, as an RDD of one
 * state per partition that each round replaces: the round zips partition p's rows with partition p's state, so
 * the state is read where it is (Spark prefers the executor that holds both), and the new states are stored
 * there by a local checkpoint, which also cuts the lineage: no round is ever recomputed. The driver sees a state
 * only when a checkpoint is written ({@link #collect}) or a run resumes ({@link #restore}).
 *
 * <p>Executor loss: the states stored on a lost executor are gone, and so is the exact trajectory from there on.
 * The next round fails with a message that says so; {@code train --resume} continues exactly from the newest
 * checkpoint, which holds every partition's state. In local mode nothing is lost (one JVM).
 */
final class PartitionStates implements AutoCloseable {
    /** In {@link #collect}'s pieces, the name that carries a partition's inner optimizer type. */
    private static final String INNER = "#inner-optimizer:";
    private final JavaSparkContext sc;
    private final int partitions;
    private JavaRDD<PartitionState> current;
    /** The broadcasts a restored state was read from, until the first round replaced it. */
    private final List<Broadcast<float[]>> restoredFrom = new ArrayList<>();
    private long rounds;

    private PartitionStates(JavaSparkContext sc, int partitions, JavaRDD<PartitionState> current) {
        this.sc = sc;
        this.partitions = partitions;
        this.current = current;
    }

    /** Every partition before its first round. */
    static PartitionStates fresh(JavaSparkContext sc, int partitions) {
        List<Integer> ids = IntStream.range(0, partitions).boxed().toList();
        return new PartitionStates(sc, partitions, sc.parallelize(ids, partitions).map(p -> PartitionState.EMPTY));
    }

    /** The states a checkpoint held, one per partition in order, sent to the executors in chunks. */
    static PartitionStates restore(JavaSparkContext sc, List<PartitionState> states, int chunkValues) {
        int partitions = states.size();
        List<Broadcast<float[]>> broadcasts = new ArrayList<>();
        List<StateLayout> layouts = new ArrayList<>();
        for (PartitionState s : states) {
            Map<String, List<Broadcast<float[]>>> arrays = new LinkedHashMap<>();
            s.arrays().forEach((name, values) -> {
                List<Broadcast<float[]>> chunks = new ArrayList<>();
                Slices slices = Slices.of(Math.max(1, values.length), 1, chunkValues);
                for (int c = 0; c < slices.count() && values.length > 0; c++) {
                    Broadcast<float[]> b = sc.broadcast(Arrays.copyOfRange(values, slices.from(c), slices.to(c)));
                    broadcasts.add(b);
                    chunks.add(b);
                }
                arrays.put(name, chunks);
            });
            layouts.add(new StateLayout(s.innerOptimizer(), arrays));
        }
        List<Integer> ids = IntStream.range(0, partitions).boxed().toList();
        PartitionStates restored = new PartitionStates(sc, partitions,
                sc.parallelize(ids, partitions).map(p -> layouts.get(p).assemble()));
        restored.restoredFrom.addAll(broadcasts);
        return restored;
    }

    int partitions() {
        return partitions;
    }

    /**
     * One round: {@code worker} on every partition of {@code rows} with that partition's state, its vector
     * compressed by {@code compression}; returns the partitions' sums (lazily: the caller's job runs the round),
     * while the new states wait for {@link #advance}.
     */
    Round round(JavaPairRDD<Long, Row> rows, PartitionWorker worker, DeltaCompression compression) {
        if (rows.getNumPartitions() != partitions) {
            throw new IllegalStateException("the training data has " + rows.getNumPartitions()
                    + " partitions, the partition states " + partitions);
        }
        String id = sc.sc().applicationId() + "/round-" + (++rounds) + "-" + System.identityHashCode(this);
        JavaRDD<PartitionState> next = rows.zipPartitions(current, PartitionRound.worker(id, worker, compression));
        next.rdd().localCheckpoint();
        return new Round(next, next.mapPartitions(PartitionRound.take(id)));
    }

    /** A round's two outputs: the new states, and the sums that compute them. */
    record Round(JavaRDD<PartitionState> states, JavaRDD<PartialSum> sums) {
    }

    /** After a round's job: its states replace the previous ones. */
    void advance(Round round) {
        JavaRDD<PartitionState> previous = current;
        current = round.states();
        previous.unpersist(false);
        restoredFrom.forEach(Broadcast::destroy);
        restoredFrom.clear();
    }

    /** After a failed round: the states stay as they were; its half-stored ones are dropped. */
    void discard(Round round) {
        round.states().unpersist(false);
    }

    /** Every partition's state, in partition order, brought to the driver in chunks (for a checkpoint). */
    List<PartitionState> collect(int chunkValues) {
        List<Map<String, List<float[]>>> pieces = new ArrayList<>();
        List<String> inner = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            pieces.add(new LinkedHashMap<>());
            inner.add(null);
        }
        try {
            // (partition, array name) -> a chunk of it, in order; the name INNER carries the optimizer's type.
            Iterator<Tuple2<Tuple2<Integer, String>, float[]>> it = current.mapPartitionsWithIndex((p, states) -> {
                List<Tuple2<Tuple2<Integer, String>, float[]>> out = new ArrayList<>();
                while (states.hasNext()) {
                    PartitionState s = states.next();
                    if (s.innerOptimizer() != null) {
                        out.add(new Tuple2<>(new Tuple2<>(p, INNER + s.innerOptimizer()), new float[0]));
                    }
                    s.arrays().forEach((name, values) -> {
                        Slices slices = Slices.of(Math.max(1, values.length), 1, chunkValues);
                        for (int c = 0; c < slices.count(); c++) {
                            out.add(new Tuple2<>(new Tuple2<>(p, name), values.length == 0 ? values
                                    : Arrays.copyOfRange(values, slices.from(c), slices.to(c))));
                        }
                    });
                }
                return out.iterator();
            }, true).toLocalIterator();
            while (it.hasNext()) {
                Tuple2<Tuple2<Integer, String>, float[]> piece = it.next();
                int p = piece._1()._1();
                String name = piece._1()._2();
                if (name.startsWith(INNER)) {
                    inner.set(p, name.substring(INNER.length()));
                } else {
                    pieces.get(p).computeIfAbsent(name, k -> new ArrayList<>()).add(piece._2());
                }
            }
        } catch (Exception e) {
            throw lost(e);
        }
        List<PartitionState> states = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            Map<String, float[]> arrays = new LinkedHashMap<>();
            pieces.get(p).forEach((name, chunks) -> arrays.put(name, join(chunks)));
            states.add(new PartitionState(inner.get(p), arrays));
        }
        return states;
    }

    /**
     * What to throw when a job that reads the states failed with {@code e}: if a state was lost with its executor,
     * an exception that says so and what to do; anything else unchanged (Spark's checked exceptions included).
     */
    RuntimeException lost(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("Checkpoint block") || m.contains("has a stored state but no result")) {
                return new IllegalStateException("a partition's state (inner optimizer moments or error-feedback"
                        + " residual) was lost with its executor, so the run cannot continue exactly; rerun with"
                        + " --resume to continue exactly from the newest checkpoint, which holds every partition's"
                        + " state (Spark said: " + firstLine(m) + ")", e);
            }
        }
        if (e instanceof RuntimeException r) {
            return r;
        }
        return PartitionStates.<RuntimeException>rethrow(e);
    }

    /** Throws {@code e} as it is: Spark's Scala code throws its checked SparkException from unchecked signatures. */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> E rethrow(Exception e) throws E {
        throw (E) e;
    }

    private static String firstLine(String m) {
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static float[] join(List<float[]> chunks) {
        int n = 0;
        for (float[] c : chunks) {
            n += c.length;
        }
        float[] v = new float[n];
        int at = 0;
        for (float[] c : chunks) {
            System.arraycopy(c, 0, v, at, c.length);
            at += c.length;
        }
        return v;
    }

    @Override
    public void close() {
        current.unpersist(false);
        restoredFrom.forEach(Broadcast::destroy);
        restoredFrom.clear();
    }

    /** Executor side of {@link #restore}: a partition's arrays as broadcast chunks. */
    private record StateLayout(String innerOptimizer, Map<String, List<Broadcast<float[]>>> arrays)
            implements java.io.Serializable {
        PartitionState assemble() {
            Map<String, float[]> values = new LinkedHashMap<>();
            arrays.forEach((name, chunks) -> {
                List<float[]> parts = new ArrayList<>();
                chunks.forEach(b -> parts.add(b.value()));
                values.put(name, join(parts));
            });
            return new PartitionState(innerOptimizer, values);
        }
    }
}

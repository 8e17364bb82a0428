package dev.sparkft.spark.executor;

import java.util.Arrays;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The round's large vectors (a partition's gradient sum or parameter delta, the driver's sum of slices), reused
 * from round to round in this JVM instead of allocated fresh. Each is one G1 humongous allocation (91 MB for
 * MiniLM); three fresh ones per local-mode round stalled rounds by 0.3–0.9 s in streaks (docs/benchmarks.md).
 *
 * <p>Ownership is handed on with the vector: the worker that fills it {@link #take}s it; whoever reads it last
 * gives it back: {@link PartialSum#merge} after adding it into another sum, the reduce-scatter's slicer after
 * its last slice ({@link SliceFold.Out}), the driver after its optimizer step. A vector that is never given back
 * (its task failed) is ordinary garbage. Runs on executors, and on the driver for the sum it assembles.
 */
public final class RoundVectors {
    /** Idle vectors kept per length: one per task slot of a small executor and the driver's sum. */
    private static final int MAX_IDLE = 4;
    private static final Map<Integer, Deque<float[]>> IDLE = new ConcurrentHashMap<>();

    private RoundVectors() {
    }

    /** A zeroed vector of {@code length} values, owned by the caller until given back. */
    public static float[] take(int length) {
        Deque<float[]> idle = IDLE.get(length);
        float[] v = idle == null ? null : idle.pollFirst();
        if (v == null) {
            return new float[length];
        }
        Arrays.fill(v, 0f);
        return v;
    }

    /** Gives back {@code v}, which nothing may read or write afterwards. */
    public static void giveBack(float[] v) {
        Deque<float[]> idle = IDLE.computeIfAbsent(v.length, k -> new ConcurrentLinkedDeque<>());
        if (idle.size() < MAX_IDLE) {
            idle.addFirst(v);
        }
    }
}

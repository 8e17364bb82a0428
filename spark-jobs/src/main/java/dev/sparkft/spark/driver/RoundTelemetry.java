package dev.sparkft.spark.driver;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Spark's own view of each training round, on the driver, from its listener bus: the run time of every task of the
 * round's first stage (the one whose tasks run the workers), hence the straggler skew (slowest task over the
 * median) and the slowest task's executor; the JVM GC time of the round's tasks; and the peak heap and resident
 * memory of the executors (Spark's executor metrics, at task ends and heartbeats) and of the driver.
 *
 * <p>A round's jobs carry its first step as the local property {@link #ROUND}. The listener bus delivers events
 * after the jobs have returned, so {@link #round} waits (briefly) until it has seen every task of the round's
 * first stage.
 */
final class RoundTelemetry extends SparkListener implements AutoCloseable {
    static final String ROUND = "sparkft.round";
    /** How long {@link #round} waits for the listener bus before it reports what it has. */
    private static final long WAIT_MILLIS = 5_000;

    private final SparkContext sc;
    private final Map<Integer, Long> roundOfStage = new HashMap<>();
    /** Per round: its first stage id and that stage's successful tasks by partition. */
    private final Map<Long, Integer> firstStage = new HashMap<>();
    private final Map<Long, Map<Integer, TaskInfo>> firstStageTasks = new HashMap<>();
    private final Map<Long, long[]> runMillis = new HashMap<>();
    private final Map<Long, Long> gcMillis = new HashMap<>();
    /** Executor id to its peak {JVM heap, process-tree RSS} bytes seen so far. */
    private final Map<String, long[]> executorPeaks = new TreeMap<>();
    private long driverGcMillis = totalGcMillis();

    private RoundTelemetry(SparkContext sc) {
        this.sc = sc;
    }

    /** Registers a new listener on {@code sc}; {@link #close()} removes it. */
    static RoundTelemetry register(SparkContext sc) {
        RoundTelemetry telemetry = new RoundTelemetry(sc);
        sc.addSparkListener(telemetry);
        return telemetry;
    }

    /** What one round cost beyond its timings. Skew is NaN when the bus delivered too little in time. */
    record Round(double taskSkew, String slowestExecutor, long executorGcMillis, long driverGcMillis,
            long executorPeakHeapBytes, long executorPeakRssBytes, long driverPeakRssBytes) {
    }

    /**
     * The round that started at {@code step} over {@code partitions} partitions, once the bus has delivered its
     * first stage's tasks (at most {@link #WAIT_MILLIS}); forgets it afterwards.
     */
    synchronized Round round(long step, int partitions) {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (firstStageTasks.getOrDefault(step, Map.of()).size() < partitions) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Map<Integer, TaskInfo> tasks = firstStageTasks.getOrDefault(step, Map.of());
        long[] millis = runMillis.getOrDefault(step, new long[0]);
        double skew = Double.NaN;
        String slowest = "";
        if (tasks.size() == partitions && partitions > 0) {
            long[] sorted = millis.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
            skew = median > 0 ? sorted[n - 1] / median : 1;
            int worst = 0;
            for (int p = 1; p < n; p++) {
                worst = millis[p] > millis[worst] ? p : worst;
            }
            TaskInfo info = tasks.get(worst);
            slowest = info.executorId() + " (" + info.host() + ")";
        }
        long gc = gcMillis.getOrDefault(step, 0L);
        long driverGc = totalGcMillis();
        long driverRound = driverGc - driverGcMillis;
        driverGcMillis = driverGc;
        long heap = 0;
        long rss = 0;
        for (long[] peak : executorPeaks.values()) {
            heap = Math.max(heap, peak[0]);
            rss = Math.max(rss, peak[1]);
        }
        firstStage.remove(step);
        firstStageTasks.remove(step);
        runMillis.remove(step);
        gcMillis.remove(step);
        roundOfStage.values().removeIf(r -> r == step);
        return new Round(skew, slowest, gc, driverRound, heap, rss, driverPeakRss());
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted event) {
        String round = event.properties() == null ? null : event.properties().getProperty(ROUND);
        if (round != null) {
            long step = Long.parseLong(round);
            int stage = event.stageInfo().stageId();
            roundOfStage.put(stage, step);
            firstStage.merge(step, stage, Math::min);
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd event) {
        if (event.taskExecutorMetrics() != null) {
            peak(event.taskInfo().executorId(), event.taskExecutorMetrics());
        }
        Long step = roundOfStage.get(event.stageId());
        if (step == null || !event.taskInfo().successful() || event.taskMetrics() == null) {
            return;
        }
        gcMillis.merge(step, event.taskMetrics().jvmGCTime(), Long::sum);
        if (firstStage.get(step) == event.stageId()) {
            int partition = event.taskInfo().index();
            Map<Integer, TaskInfo> tasks = firstStageTasks.computeIfAbsent(step, s -> new HashMap<>());
            if (tasks.put(partition, event.taskInfo()) == null) {
                long[] millis = runMillis.computeIfAbsent(step, s -> new long[0]);
                if (millis.length <= partition) {
                    millis = Arrays.copyOf(millis, partition + 1);
                    runMillis.put(step, millis);
                }
                millis[partition] = event.taskMetrics().executorRunTime();
            }
            notifyAll();
        }
    }

    @Override
    public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate event) {
        scala.collection.Iterator<ExecutorMetrics> updates = event.executorUpdates().valuesIterator();
        while (updates.hasNext()) {
            peak(event.execId(), updates.next());
        }
    }

    private void peak(String executor, ExecutorMetrics metrics) {
        long[] peak = executorPeaks.computeIfAbsent(executor, e -> new long[2]);
        peak[0] = Math.max(peak[0], metrics.getMetricValue("JVMHeapMemory"));
        peak[1] = Math.max(peak[1], metrics.getMetricValue("ProcessTreeJVMRSSMemory"));
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }

    private static long totalGcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** The driver process's peak resident memory (VmHWM, Linux); 0 where /proc is not there. */
    private static long driverPeakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}

package dev.sparkft.spark.driver;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Spark's own view of each training round, on the driver, from its listener bus: the run time of every task of the
 * round's stages, hence the straggler skew (per stage, the slowest task over the median; the round reports its most
 * skewed stage) and that slowest task's executor; the JVM GC time of the round's tasks; and the peak heap and
 * resident memory of the executors (Spark's executor metrics, at task ends and heartbeats) and of the driver.
 *
 * <p>Every stage counts, not only the workers' compute: when an executor is slow, Spark may run the next round's
 * compute tasks elsewhere (where their cached partitions are), and the slow executor then shows in the stage that
 * reduces the round's vector.
 *
 * <p>A round's jobs carry its first step as the local property {@link #ROUND}. The listener bus delivers events
 * after the jobs have returned, so {@link #round} posts a marker behind them and waits (briefly) until it arrives:
 * by then the bus has delivered every event of the round.
 */
final class RoundTelemetry extends SparkListener implements AutoCloseable {
    static final String ROUND = "sparkft.round";
    /** How long {@link #round} waits for the listener bus before it reports what it has. */
    private static final long WAIT_MILLIS = 5_000;

    private final SparkContext sc;
    private final Map<Integer, Long> roundOfStage = new HashMap<>();
    /** Per round: its stages' successful tasks, by stage id and then task index (a retried task's last success). */
    private final Map<Long, Map<Integer, Map<Integer, TaskRun>>> tasks = new HashMap<>();
    private final Map<Long, Long> gcMillis = new HashMap<>();
    /** Rounds whose marker the bus has delivered. */
    private final Set<Long> delivered = new HashSet<>();
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

    /** One successful task: its executor's run time and where it ran. */
    private record TaskRun(long runMillis, String executor) {
    }

    /** Posted after a round's jobs: the bus delivers events in order, so the round's are in once this arrives. */
    private record RoundDelivered(long step) implements SparkListenerEvent {
        @Override
        public boolean logEvent() {
            return false;
        }
    }

    /**
     * The round that started at {@code step}, once the bus has delivered its events (at most {@link #WAIT_MILLIS});
     * forgets it afterwards.
     */
    Round round(long step) {
        // A Spark-internal accessor (public in bytecode), as libraries that post their own events use it.
        sc.listenerBus().post(new RoundDelivered(step));
        synchronized (this) {
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (!delivered.contains(step)) {
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
            double skew = Double.NaN;
            String slowest = "";
            if (delivered.remove(step)) {
                for (Map<Integer, TaskRun> stage : tasks.getOrDefault(step, Map.of()).values()) {
                    long[] sorted = stage.values().stream().mapToLong(TaskRun::runMillis).sorted().toArray();
                    int n = sorted.length;
                    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
                    double stageSkew = median > 0 ? sorted[n - 1] / median : 1;
                    if (Double.isNaN(skew) || stageSkew > skew) {
                        skew = stageSkew;
                        slowest = stage.values().stream().max(Comparator.comparingLong(TaskRun::runMillis))
                                .orElseThrow().executor();
                    }
                }
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
            tasks.remove(step);
            gcMillis.remove(step);
            roundOfStage.values().removeIf(r -> r == step);
            return new Round(skew, slowest, gc, driverRound, heap, rss, driverPeakRss());
        }
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted event) {
        String round = event.properties() == null ? null : event.properties().getProperty(ROUND);
        if (round != null) {
            roundOfStage.put(event.stageInfo().stageId(), Long.parseLong(round));
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
        TaskInfo info = event.taskInfo();
        tasks.computeIfAbsent(step, s -> new TreeMap<>()).computeIfAbsent(event.stageId(), s -> new TreeMap<>())
                .put(info.index(), new TaskRun(event.taskMetrics().executorRunTime(),
                        info.executorId() + " (" + info.host() + ")"));
    }

    @Override
    public synchronized void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof RoundDelivered d) {
            delivered.add(d.step());
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

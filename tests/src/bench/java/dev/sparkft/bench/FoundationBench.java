package dev.sparkft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@code foundation}: the Foundation benchmarks of docs/benchmarks.md, each measurement in a fresh JVM
 * (run side by side, alternating, repeated): (a) the synchronous trainer in local[2] vs the bare
 * single-process loop, same CNN, batches and optimizer; (b) time to a test accuracy, SparkFT vs DL4J's
 * ParameterAveragingTrainingMaster; (c) bytes per step per worker vs the parameter size. Prints
 * Markdown tables and writes them to {@code tests/target/bench-foundation.md}.
 *
 * <p>The bare loop gets both cores (OMP_NUM_THREADS=2 in one process); the Spark runs get one native thread
 * per task slot, two slots, as the trainer is deployed (docs/cluster.md).
 */
public final class FoundationBench {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESULT = "RESULT ";
    private static final int WARMUP = 3;
    private static final int STEPS = 30;
    private static final int EPOCHS = 2;
    private static final double TARGET = 0.75;

    private FoundationBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: FoundationBench foundation [repeats (a)] [repeats (b)]  (see docs/benchmarks.md)");
            System.exit(2);
        }
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".")).toAbsolutePath().normalize();
        Path out = Files.createTempDirectory("sparkft-bench");
        switch (args[0]) {
            case "foundation" -> foundation(repo, args.length > 1 ? Integer.parseInt(args[1]) : 3,
                    args.length > 2 ? Integer.parseInt(args[2]) : 3);
            case "bare" -> result(BareLoop.run(repo, WARMUP, STEPS));
            case "spark" -> result(SparkTrainerRun.throughput(repo, out, WARMUP, STEPS));
            case "spark-accuracy" -> result(SparkTrainerRun.timeToAccuracy(repo, out, EPOCHS, TARGET));
            case "dl4j-accuracy" -> result(Dl4jSparkRun.timeToAccuracy(repo, EPOCHS, TARGET));
            default -> {
                System.err.println("unknown benchmark '" + args[0] + "'");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static void result(ObjectNode node) {
        System.out.println(RESULT + node);
    }

    private static void foundation(Path repo, int repeats, int accuracyRepeats) throws Exception {
        StringBuilder md = new StringBuilder();
        String loadBefore = loadAverage();
        List<JsonNode> bare = new ArrayList<>();
        List<JsonNode> spark = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            bare.add(child(repo, "bare", 2));
            spark.add(child(repo, "spark", 1));
        }
        List<JsonNode> ours = new ArrayList<>();
        List<JsonNode> dl4j = new ArrayList<>();
        for (int r = 0; r < accuracyRepeats; r++) {
            dl4j.add(child(repo, "dl4j-accuracy", 1));
            ours.add(child(repo, "spark-accuracy", 1));
        }
        String loadAfter = loadAverage();

        md.append(String.format(Locale.ROOT, "Load average (1/5/15 min) before: %s, after: %s; %d cores; %d repeats"
                + " of (a), %d of (b), medians.%n%n", loadBefore, loadAfter, Runtime.getRuntime().availableProcessors(),
                repeats, accuracyRepeats));
        md.append("(a) Synchronous trainer, local[2], 2 partitions vs bare loop; DL4J CNN 80,202 parameters, global batch ")
                .append(BenchSetup.GLOBAL_BATCH).append(", Adam, ").append(STEPS).append(" steps after ").append(WARMUP)
                .append(" warm-up\n\n| | samples/s | ms/step | compute ms | update ms | overhead ms | runs (samples/s) |\n"
                        + "|---|---|---|---|---|---|---|\n");
        md.append(row("bare loop (1 JVM, 2 threads)", bare, false));
        md.append(row("SparkFT sync, local[2]", spark, true));
        double ratio = median(spark, n -> n.get("samplesPerSec").asDouble()) / median(bare, n -> n.get("samplesPerSec").asDouble());
        md.append(String.format(Locale.ROOT, "%nThroughput ratio SparkFT / bare: %.3f (overhead %.1f %%)%n%n", ratio,
                100 * (1 / ratio - 1)));
        JsonNode s = spark.get(0);
        long paramBytes = 4L * s.get("parameters").asLong();
        md.append(String.format(Locale.ROOT, "(c) Bytes per step per worker: to worker %d, from worker %d; parameters"
                + " %d floats = %d bytes (ratios %.3f / %.3f); %d workers%n%n", s.get("bytesToWorker").asLong(),
                s.get("bytesFromWorker").asLong(), s.get("parameters").asLong(), paramBytes,
                s.get("bytesToWorker").asDouble() / paramBytes, s.get("bytesFromWorker").asDouble() / paramBytes,
                s.get("workers").asInt()));
        md.append(String.format(Locale.ROOT, "(b) Training time to %.0f %% test accuracy (2,000 test images, evaluated"
                + " after each epoch, evaluation excluded), up to %d epochs%n%n| | seconds to target | epochs |"
                + " accuracy per epoch (run 1) | runs (s) |%n|---|---|---|---|---|%n", TARGET * 100, EPOCHS));
        md.append(accuracyRow("SparkFT sync, local[2]", ours));
        md.append(accuracyRow("DL4J ParameterAveraging, local[2]", dl4j));
        md.append(String.format(Locale.ROOT, "%nTime-to-target ratio DL4J / SparkFT: %.2f%n",
                median(dl4j, n -> n.get("secondsToTarget").asDouble()) / median(ours, n -> n.get("secondsToTarget").asDouble())));
        System.out.println(md);
        Path file = repo.resolve("tests/target/bench-foundation.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, md.toString());
    }

    private static String row(String name, List<JsonNode> runs, boolean spark) {
        return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %s | %s |%n", name,
                median(runs, n -> n.get("samplesPerSec").asDouble()), median(runs, n -> n.get("stepMs").asDouble()),
                median(runs, n -> n.get("computeMs").asDouble()), median(runs, n -> n.get("updateMs").asDouble()),
                spark ? String.format(Locale.ROOT, "%.1f", median(runs, n -> n.get("overheadMs").asDouble())) : "-",
                runs.stream().map(n -> String.format(Locale.ROOT, "%.1f", n.get("samplesPerSec").asDouble())).toList());
    }

    private static String accuracyRow(String name, List<JsonNode> runs) {
        return String.format(Locale.ROOT, "| %s | %.1f | %s | %s | %s |%n", name,
                median(runs, n -> n.get("secondsToTarget").asDouble()),
                runs.stream().map(n -> n.path("epochsToTarget").asText("-")).toList(), runs.get(0).get("accuracyPerEpoch"),
                runs.stream().map(n -> String.format(Locale.ROOT, "%.1f", n.get("secondsToTarget").asDouble())).toList());
    }

    private static double median(List<JsonNode> runs, ToDoubleFunction<JsonNode> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String loadAverage() throws Exception {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return String.join(" / ", Arrays.copyOf(f, 3));
    }

    /** Runs one measurement in a fresh JVM (same classpath and flags) with {@code threads} native threads. */
    private static JsonNode child(Path repo, String what, int threads) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FoundationBench.class.getName(), what));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        System.err.printf("%s: %s (OMP_NUM_THREADS=%d) ...%n", java.time.LocalTime.now().withNano(0), what, threads);
        Process p = pb.start();
        JsonNode result = null;
        List<String> tail = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith(RESULT)) {
                    result = JSON.readTree(line.substring(RESULT.length()));
                } else {
                    tail.add(line);
                    if (tail.size() > 40) {
                        tail.remove(0);
                    }
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException(what + " failed (exit " + p.exitValue() + "):\n" + String.join("\n", tail));
        }
        System.err.println("  " + result);
        return result;
    }
}

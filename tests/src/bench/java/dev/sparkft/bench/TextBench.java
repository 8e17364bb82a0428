package dev.sparkft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * {@code text}: the text-model benchmarks of docs/benchmarks.md, each measurement in a fresh process, SparkFT
 * and PyTorch alternating, repeated: (1) a training step (fwd, bwd, AdamW, fp32) of SparkFT's DJL BERT engine
 * ({@link TextEngineLoop}) vs transformers + torch.optim.AdamW (scripts/reference/bench_torch_step.py), same
 * threads; (2) the synchronous trainer in local[2] ({@link TextTrainerRun}) vs the bare engine loop; (3) resident
 * memory over {@value #RSS_STEPS} engine steps. Prints Markdown and writes it to
 * {@code tests/target/bench-text.md} after each section (a cut-short run keeps what it measured).
 *
 * <p>Our processes get the deployed executor environment (cluster-config/spark-defaults.conf: the MALLOC_*
 * settings, OMP_NUM_THREADS and ai.djl.pytorch.num_threads = the threads measured, one inter-op thread).
 */
public final class TextBench {
    static final String RESULT = "RESULT ";
    private static final int BATCH = 32;
    private static final int WARMUP = 1;
    private static final int STEPS = 3;
    /** The trainer section's rounds per run: enough for the distribution of the round time, not just a median. */
    private static final int ROUND_WARMUP = 2;
    private static final int ROUNDS = 20;
    private static final int RSS_STEPS = 1000;
    private static final int RSS_EVERY = 50;
    private static final int RSS_BATCH = 2;
    private static final List<String> SECTIONS = List.of("minilm2", "trainer", "mini2", "minilm1", "mini1", "rss", "eval");
    /** bf16 sections (shape, threads, "b"): run with DJL bound to a bf16-capable libtorch (docs/benchmarks.md). */
    private static final List<String> BF16_SECTIONS = List.of("mini2b", "minilm2b");
    static final Map<String, String> MALLOC = Map.of("MALLOC_MMAP_THRESHOLD_", "33554432",
            "MALLOC_TRIM_THRESHOLD_", "17179869184", "MALLOC_TOP_PAD_", "268435456");

    private TextBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: TextBench text [repeats] [sections, comma-separated, of " + SECTIONS
                    + " or, with a bf16-capable libtorch, " + BF16_SECTIONS + "]  (see docs/benchmarks.md)");
            System.exit(2);
        }
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".")).toAbsolutePath().normalize();
        switch (args[0]) {
            case "text" -> text(repo, args.length > 1 ? Integer.parseInt(args[1]) : 3,
                    args.length > 2 ? List.of(args[2].split(",")) : SECTIONS);
            case "engine" -> result(TextEngineLoop.steps(TextShape.of(args[1]), args.length > 2 ? args[2] : "fp32",
                    BATCH, WARMUP, STEPS));
            // The trainer section's three: as many rounds each.
            case "engine-rounds" -> result(TextEngineLoop.steps(TextShape.of(args[1]), "fp32", BATCH, ROUND_WARMUP,
                    ROUNDS));
            case "trainer" -> result(TextTrainerRun.throughput(TextShape.of(args[1]),
                    Files.createTempDirectory("sparkft-textbench"), ROUND_WARMUP, ROUNDS));
            case "parallel" -> result(TextEngineLoop.parallelModels(TextShape.of(args[1]), 2, BATCH, ROUND_WARMUP,
                    ROUNDS));
            case "rss" -> result(TextEngineLoop.residentMemory(TextShape.BERT_MINI, RSS_BATCH, RSS_STEPS, RSS_EVERY));
            case "evaluate" -> result(TextEngineLoop.evaluation(TextShape.MINILM, BATCH, WARMUP, STEPS));
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

    private static void text(Path repo, int repeats, List<String> sections) throws Exception {
        List<String> known = new ArrayList<>(SECTIONS);
        known.addAll(BF16_SECTIONS);
        if (!known.containsAll(sections)) {
            throw new IllegalArgumentException("sections must be among " + known + ", got " + sections);
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%d cores, %d repeats (medians);"
                + " load average (1/5/15 min) at the start: %s%n%n", Runtime.getRuntime().availableProcessors(), repeats,
                loadAverage()));
        for (String section : sections) {
            try {
                md.append(switch (section) {
                    case "trainer" -> trainer(repeats);
                    case "rss" -> rss();
                    case "eval" -> evaluation(repeats);
                    default -> {
                        boolean bf16 = section.endsWith("b");
                        String shapeThreads = bf16 ? section.substring(0, section.length() - 1) : section;
                        yield step(repo, TextShape.of(shapeThreads.substring(0, shapeThreads.length() - 1)),
                                shapeThreads.charAt(shapeThreads.length() - 1) - '0', bf16 ? "bf16" : "fp32",
                                repeats);
                    }
                });
            } catch (IllegalStateException e) {
                // A failed child names itself and its output tail; the other sections still run.
                md.append("Section ").append(section).append(" failed: ").append(e.getMessage()).append("\n\n");
            }
            System.out.println(md);
            Path file = repo.resolve("tests/target/bench-text.md");
            Files.createDirectories(file.getParent());
            Files.writeString(file, md.toString());
        }
    }

    private static String step(Path repo, TextShape shape, int threads, String precision, int repeats)
            throws Exception {
        List<JsonNode> ours = new ArrayList<>();
        List<JsonNode> torch = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            ours.add(java(threads, "engine", shape.name(), precision));
            torch.add(python(repo, threads, shape.torchArgs(BATCH, threads, WARMUP, STEPS, precision)));
        }
        boolean bf16 = precision.equals("bf16");
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Training step, %s, %s, batch %dx%d, %d"
                + " thread(s), median of %d steps after %d warm-up%n%n| | samples/s | ms/step | peak RSS MB |"
                + " runs (samples/s) | load avg (1 min) per run |%n|---|---|---|---|---|---|%n", shape.label(),
                bf16 ? "bf16 (SparkFT bf16 precision; PyTorch bf16 autocast)" : "fp32", BATCH, TextShape.SEQ, threads,
                STEPS, WARMUP));
        md.append(stepRow("SparkFT DJL engine + driver AdamW" + (bf16 ? ", libtorch " + torchVersion() : ""), ours,
                "samplesPerSec", "stepMs", "peakRssMb"));
        md.append(stepRow("PyTorch " + torch.get(0).get("torch").asText() + ", transformers "
                + torch.get(0).get("transformers").asText(), torch, "samples_per_s", "median_step_ms", "peak_rss_mb"));
        double ratio = median(ours, n -> n.get("samplesPerSec").asDouble())
                / median(torch, n -> n.get("samples_per_s").asDouble());
        md.append(String.format(Locale.ROOT, "%nThroughput ratio SparkFT / PyTorch: %.2f. SparkFT step parts"
                + " (medians, ms): parameter load %.1f, fwd+bwd+gradient export %.1f (of which export, measured apart,"
                + " %.1f), AdamW on the flat vector %.1f; %,d parameters%n%n", ratio,
                median(ours, n -> n.get("loadMs").asDouble()), median(ours, n -> n.get("fwdBwdExportMs").asDouble()),
                median(ours, n -> n.get("exportMs").asDouble()), median(ours, n -> n.get("optimizerMs").asDouble()),
                ours.get(0).get("parameters").asLong()));
        return md.toString();
    }

    /** The libtorch DJL binds to in the children: the environment's PYTORCH_VERSION, or the Maven jars'. */
    private static String torchVersion() {
        return System.getenv().getOrDefault("PYTORCH_VERSION", "2.7.1 (Maven jars)");
    }

    private static String stepRow(String name, List<JsonNode> runs, String sps, String ms, String rss) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.0f | %.0f | %s | %s |%n", name,
                median(runs, n -> n.get(sps).asDouble()), median(runs, n -> n.get(ms).asDouble()),
                median(runs, n -> n.get(rss).asDouble()),
                runs.stream().map(n -> String.format(Locale.ROOT, "%.2f", n.get(sps).asDouble())).toList(),
                runs.stream().map(n -> n.get("load").asText().split(" ")[0]).toList());
    }

    private static String trainer(int repeats) throws Exception {
        TextShape shape = TextShape.MINILM;
        List<JsonNode> bare = new ArrayList<>();
        List<JsonNode> parallel = new ArrayList<>();
        List<JsonNode> spark = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            bare.add(java(2, "engine-rounds", shape.name()));
            parallel.add(java(1, "parallel", shape.name()));
            spark.add(java(1, "trainer", shape.name()));
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Trainer vs bare engine loop, %s, global"
                + " batch %d, %d steps after %d warm-up%n%n| | samples/s | ms/step | compute ms | update ms |"
                + " overhead ms | peak RSS MB | runs (samples/s) | load avg (1 min) per run |%n"
                + "|---|---|---|---|---|---|---|---|---|%n", shape.label(), TextTrainerRun.GLOBAL_BATCH, ROUNDS,
                ROUND_WARMUP));
        md.append(String.format(Locale.ROOT, "| bare engine loop (1 JVM, 2 threads) | %.2f | %.0f | %.0f | %.0f | - |"
                + " %.0f | %s | %s |%n", median(bare, n -> n.get("samplesPerSec").asDouble()),
                median(bare, n -> n.get("stepMs").asDouble()),
                median(bare, n -> n.get("loadMs").asDouble() + n.get("fwdBwdExportMs").asDouble()),
                median(bare, n -> n.get("optimizerMs").asDouble()), median(bare, n -> n.get("peakRssMb").asDouble()),
                runs(bare), loads(bare)));
        double parallelMs = median(parallel, n -> n.get("stepMs").asDouble());
        md.append(String.format(Locale.ROOT, "| 2 models x 1 thread, 16 each, no Spark (compute only) | %.2f | %.0f | %.0f | - |"
                + " - | %.0f | %s | %s |%n", median(parallel, n -> n.get("samplesPerSec").asDouble()), parallelMs,
                parallelMs, median(parallel, n -> n.get("peakRssMb").asDouble()), runs(parallel), loads(parallel)));
        md.append(String.format(Locale.ROOT, "| SparkFT sync, local[2], 2 x 16 | %.2f | %.0f | %.0f | %.0f | %.0f |"
                + " %.0f | %s | %s |%n", median(spark, n -> n.get("samplesPerSec").asDouble()),
                median(spark, n -> n.get("stepMs").asDouble()), median(spark, n -> n.get("computeMs").asDouble()),
                median(spark, n -> n.get("updateMs").asDouble()), median(spark, n -> n.get("overheadMs").asDouble()),
                median(spark, n -> n.get("peakRssMb").asDouble()), runs(spark), loads(spark)));
        double ratio = median(spark, n -> n.get("samplesPerSec").asDouble())
                / median(bare, n -> n.get("samplesPerSec").asDouble());
        JsonNode s = spark.get(0);
        long paramBytes = 4L * bare.get(0).get("parameters").asLong();
        double sparkComputeMs = median(spark, n -> n.get("computeMs").asDouble());
        md.append(String.format(Locale.ROOT, "%nCompute per round: the trainer's slowest task %.0f ms against %.0f ms for"
                + " the same two 1-thread models without Spark (%+.1f %%), and %.0f ms for the bare 2-thread loop.",
                sparkComputeMs, parallelMs, 100 * (sparkComputeMs / parallelMs - 1),
                median(bare, n -> n.get("loadMs").asDouble() + n.get("fwdBwdExportMs").asDouble())));
        md.append(String.format(Locale.ROOT, "%nThroughput ratio SparkFT / bare: %.3f (Spark overhead %.1f %%)."
                + " Payload per round per worker (passed by reference in local mode): to worker %,d bytes, from worker %,d;"
                + " parameters %,d bytes; %d workers%n%n",
                ratio, 100 * (1 / ratio - 1), s.get("bytesToWorker").asLong(), s.get("bytesFromWorker").asLong(),
                paramBytes, s.get("workers").asInt()));
        md.append(String.format(Locale.ROOT, "Step time over the %d timed steps of each of the %d runs,"
                + " pooled (ms):%n%n| | p10 | median | p90 | max |%n|---|---|---|---|---|%n%s%s%s%n", ROUNDS, repeats, quantiles("bare engine loop", bare),
                quantiles("2 models x 1 thread, no Spark", parallel), quantiles("SparkFT sync, local[2]", spark)));
        List<String> perRun = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            perRun.add(String.format(Locale.ROOT, "%.3f", spark.get(r).get("samplesPerSec").asDouble()
                    / bare.get(r).get("samplesPerSec").asDouble()));
        }
        md.append(String.format(Locale.ROOT, "Trainer / bare per run (side by side, in run order): %s%n%n", perRun));
        // MFU with the trainer's own FLOP count and peak: its rounds' mfu, and the others' samples/s on that scale.
        double flops = s.get("flopsPerExample").asDouble();
        double peak = s.get("peakFlops").asDouble();
        md.append(String.format(Locale.ROOT, "MFU (%.4g training FLOPs per example, peak %.4g FLOP/s, both from the"
                + " trainer's metrics.jsonl): bare engine loop %.3f, 2 models x 1 thread %.3f, SparkFT sync %.3f"
                + " (median of its runs' round medians %.3f). Straggler skew of the trainer's rounds (its most skewed"
                + " stage: slowest task / median task): median of the runs' medians %.3f, largest %.3f%n%n", flops, peak,
                median(bare, n -> n.get("samplesPerSec").asDouble()) * flops / peak,
                median(parallel, n -> n.get("samplesPerSec").asDouble()) * flops / peak,
                median(spark, n -> n.get("samplesPerSec").asDouble()) * flops / peak,
                median(spark, n -> n.get("mfu").asDouble()), median(spark, n -> n.get("taskSkew").asDouble()),
                spark.stream().mapToDouble(n -> n.get("taskSkewMax").asDouble()).max().orElse(Double.NaN)));
        return md.toString();
    }

    private static String evaluation(int repeats) throws Exception {
        List<JsonNode> runs = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            runs.add(java(2, "evaluate"));
        }
        double before = median(runs, n -> n.get("backwardAndPredictMs").asDouble());
        double after = median(runs, n -> n.get("evaluateMs").asDouble());
        return String.format(Locale.ROOT, "Evaluation of a labelled batch, %s, %dx%d, 2 threads, median of %d batches"
                + " after %d warm-up, %d runs%n%n| | ms/batch | samples/s | runs (ms) |%n|---|---|---|---|%n"
                + "| loss from a backward pass into scratch + a forward for the logits | %.0f | %.2f | %s |%n"
                + "| one forward pass without gradients (`evaluate`) | %.0f | %.2f | %s |%n%n"
                + "Speed-up %.2fx (same loss sum to 1e-5 in every run).%n%n", TextShape.MINILM.label(), BATCH,
                TextShape.SEQ, STEPS, WARMUP, repeats, before, BATCH * 1e3 / before,
                runs.stream().map(n -> String.format(Locale.ROOT, "%.0f", n.get("backwardAndPredictMs").asDouble())).toList(),
                after, BATCH * 1e3 / after,
                runs.stream().map(n -> String.format(Locale.ROOT, "%.0f", n.get("evaluateMs").asDouble())).toList(),
                before / after);
    }

    private static String rss() throws Exception {
        JsonNode r = java(1, "rss");
        double[] v = new double[r.get("rssMb").size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.get("rssMb").get(i).asDouble();
        }
        double max = Arrays.stream(v).max().orElseThrow();
        return String.format(Locale.ROOT, "Resident memory over %d engine steps, %s, batch %dx%d, 1 thread, sampled"
                + " every %d steps (%.0f s)%n%n| first (after step %d) | after step 100 | last | max over samples |"
                + " peak (VmHWM) |%n|---|---|---|---|---|%n| %.0f MB | %.0f MB | %.0f MB | %.0f MB | %.0f MB |%n%n"
                + "Samples (MB, before step 1 then every %d): %s; load avg: %s%n%n", RSS_STEPS,
                TextShape.BERT_MINI.label(), RSS_BATCH, TextShape.SEQ, RSS_EVERY, r.get("seconds").asDouble(),
                RSS_EVERY, v[1], v[2], v[v.length - 1], max, r.get("peakRssMb").asDouble(), RSS_EVERY,
                Arrays.stream(v).mapToObj(x -> String.format(Locale.ROOT, "%.0f", x)).toList(), r.get("load").asText());
    }

    /** A table row: p10, median, p90 and max of the per-step times of all {@code runs} together. */
    private static String quantiles(String name, List<JsonNode> runs) {
        double[] v = runs.stream().flatMap(n -> java.util.stream.StreamSupport.stream(n.get("stepsMs").spliterator(),
                false)).mapToDouble(JsonNode::asDouble).sorted().toArray();
        return String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f |%n", name, v[(int) (0.1 * (v.length - 1))],
                v[(v.length - 1) / 2], v[(int) Math.ceil(0.9 * (v.length - 1))], v[v.length - 1]);
    }

    private static List<String> runs(List<JsonNode> runs) {
        return runs.stream().map(n -> String.format(Locale.ROOT, "%.2f", n.get("samplesPerSec").asDouble())).toList();
    }

    private static List<String> loads(List<JsonNode> runs) {
        return runs.stream().map(n -> n.get("load").asText().split(" ")[0]).toList();
    }

    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    static double median(List<JsonNode> runs, ToDoubleFunction<JsonNode> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String loadAverage() throws Exception {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return String.join(" ", Arrays.copyOf(f, 3));
    }

    /** One measurement in a fresh JVM (same classpath and flags) with {@code threads} libtorch threads. */
    private static JsonNode java(int threads, String... what) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=" + threads,
                "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"),
                TextBench.class.getName()));
        cmd.addAll(List.of(what));
        Map<String, String> env = new LinkedHashMap<>(MALLOC);
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        return child(String.join(" ", what), cmd, env, RESULT);
    }

    /** One run of the PyTorch reference script (its one JSON line). */
    private static JsonNode python(Path repo, int threads, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("sparkft.python", "python3"),
                repo.resolve("scripts/reference/bench_torch_step.py").toString()));
        cmd.addAll(args);
        ObjectNode n = (ObjectNode) child("torch " + String.join(" ", args), cmd,
                Map.of("OMP_NUM_THREADS", Integer.toString(threads)), "{");
        return n.put("median_step_ms", n.get("median_step_s").asDouble() * 1e3);
    }

    static JsonNode child(String what, List<String> cmd, Map<String, String> env, String prefix)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        String load = loadAverage();
        System.err.printf("%s: %s (load %s) ...%n", java.time.LocalTime.now().withNano(0), what, load);
        Process p = pb.start();
        ObjectNode result = null;
        List<String> tail = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith(prefix)) {
                    result = (ObjectNode) FoundationBench.JSON.readTree(prefix.equals(RESULT)
                            ? line.substring(RESULT.length()) : line);
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
        result.put("load", load + " -> " + loadAverage());
        System.err.println("  " + result);
        return result;
    }
}

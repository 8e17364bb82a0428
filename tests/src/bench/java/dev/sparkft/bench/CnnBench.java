package dev.sparkft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cnn}: the CNN benchmarks of docs/benchmarks.md ("CNN training step vs PyTorch (issue 17)"), each
 * measurement in a fresh process, SparkFT and PyTorch alternating, repeated. Section {@code step}: a training
 * step (fwd, bwd, AdamW, fp32, batch {@value #BATCH}) of the CNN engine ({@link CnnEngineLoop}) vs PyTorch eager
 * (scripts/reference/cnn_train_bench.py, batch norm in eval mode like our "frozen", 10 classes), same threads,
 * for ResNet-18 at 64 and 224 and MobileNetV2 at 224; PyTorch's bf16 autocast alongside (our CNN engine has
 * no bf16), and in the first repeat PyTorch with channels-last and our step split into its parts. Section
 * {@code trainer}: the synchronous trainer in local[1] ({@link CnnTrainerRun}) vs the bare engine loop at the
 * ResNet-18 3×64×64 shape. Prints Markdown and writes it to {@code tests/target/bench-cnn.md} after each section.
 *
 * <p>Our processes get the deployed executor environment (the MALLOC_* settings of TextBench),
 * {@code OMP_NUM_THREADS} and {@code ai.djl.pytorch.num_threads} = {@value #THREADS}, one inter-op thread.
 */
public final class CnnBench {
    private static final int BATCH = 32;
    private static final int THREADS = 2;
    /** The default cases: ARCH@SIZE:WARMUP:STEPS (fewer steps at 224: a step takes seconds on 2 cores). */
    private static final String CASES = "resnet18@64:3:10,resnet18@224:2:5,mobilenet_v2@224:2:5";
    private static final int PROFILE_STEPS = 3;
    private static final List<String> SECTIONS = List.of("step", "trainer");
    private static final List<String> EXTRAS = List.of("bf16", "channels-last");

    private record Case(String architecture, int size, int warmup, int steps) {
        static Case parse(String spec) {
            String[] f = spec.split("[@:]");
            if (f.length != 4) {
                throw new IllegalArgumentException("case '" + spec + "' is not ARCH@SIZE:WARMUP:STEPS");
            }
            return new Case(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]));
        }

        String label() {
            return (architecture.equals("resnet18") ? "ResNet-18" : "MobileNetV2") + " 3×" + size + "×" + size;
        }
    }

    private CnnBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: CnnBench cnn [repeats] [sections, comma-separated, of " + SECTIONS
                    + "] [cases, default " + CASES + "; the trainer section takes the first] [PyTorch extras of "
                    + EXTRAS + ", or none]  (see docs/benchmarks.md)");
            System.exit(2);
        }
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".")).toAbsolutePath().normalize();
        switch (args[0]) {
            case "cnn" -> cnn(repo, args.length > 1 ? Integer.parseInt(args[1]) : 3,
                    args.length > 2 ? List.of(args[2].split(",")) : SECTIONS,
                    java.util.Arrays.stream((args.length > 3 ? args[3] : CASES).split(",")).map(Case::parse).toList(),
                    args.length > 4 ? List.of(args[4].split(",")) : EXTRAS);
            case "engine" -> result(onThread(Boolean.getBoolean("cnnbench.ownThread"), () -> CnnEngineLoop.steps(args[1],
                    Integer.parseInt(args[2]), BATCH, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]))));
            case "trainer" -> result(CnnTrainerRun.throughput(args[1], Integer.parseInt(args[2]),
                    Files.createTempDirectory("sparkft-cnnbench"), Integer.parseInt(args[3]), Integer.parseInt(args[4])));
            default -> {
                System.err.println("unknown benchmark '" + args[0] + "'");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    /** Runs {@code work} on the calling thread, or on a thread of its own (as the trainer's executor models do). */
    private static ObjectNode onThread(boolean own, Callable<ObjectNode> work) throws Exception {
        if (!own) {
            return work.call().put("thread", "main");
        }
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            return thread.submit(work).get().put("thread", "own");
        } finally {
            thread.shutdown();
        }
    }

    private static void result(ObjectNode node) {
        System.out.println(TextBench.RESULT + node);
    }

    private static void cnn(Path repo, int repeats, List<String> sections, List<Case> cases, List<String> extras)
            throws Exception {
        if (!SECTIONS.containsAll(sections)) {
            throw new IllegalArgumentException("sections must be among " + SECTIONS + ", got " + sections);
        }
        if (!extras.equals(List.of("none")) && !EXTRAS.containsAll(extras)) {
            throw new IllegalArgumentException("PyTorch extras must be among " + EXTRAS + " or none, got " + extras);
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%d cores, %d repeats; load average (1/5/15"
                + " min) at the start: %s%n%n", Runtime.getRuntime().availableProcessors(), repeats,
                TextBench.loadAverage()));
        for (String section : sections) {
            try {
                md.append(section.equals("step") ? steps(repo, repeats, cases, extras) : trainer(repeats, cases.get(0)));
            } catch (IllegalStateException e) {
                // A failed child names itself and its output tail; the other sections still run.
                md.append("Section ").append(section).append(" failed: ").append(e.getMessage()).append("\n\n");
            }
            md.append(String.format(Locale.ROOT, "Load average at the end of section %s: %s%n%n", section,
                    TextBench.loadAverage()));
            System.out.println(md);
            Path file = repo.resolve("tests/target/bench-cnn.md");
            Files.createDirectories(file.getParent());
            Files.writeString(file, md.toString());
        }
    }

    private static String steps(Path repo, int repeats, List<Case> cases, List<String> extras) throws Exception {
        boolean bf16Runs = extras.contains("bf16");
        boolean channelsLastRuns = extras.contains("channels-last");
        Map<Case, List<JsonNode>> ours = new LinkedHashMap<>();
        Map<Case, List<JsonNode>> torch = new LinkedHashMap<>();
        Map<Case, List<JsonNode>> bf16 = new LinkedHashMap<>();
        Map<Case, JsonNode> channelsLast = new LinkedHashMap<>();
        for (int r = 0; r < repeats; r++) {
            for (Case c : cases) {
                ours.computeIfAbsent(c, k -> new ArrayList<>()).add(java("engine", c.architecture(),
                        Integer.toString(c.size()), Integer.toString(c.warmup()), Integer.toString(c.steps()),
                        Integer.toString(r == 0 ? Math.min(PROFILE_STEPS, c.steps()) : 0)));
                torch.computeIfAbsent(c, k -> new ArrayList<>()).add(python(repo, c, "fp32", false));
                if (bf16Runs) {
                    bf16.computeIfAbsent(c, k -> new ArrayList<>()).add(python(repo, c, "bf16", false));
                }
                if (r == 0 && channelsLastRuns) {
                    channelsLast.put(c, python(repo, c, "fp32", true));
                }
            }
        }
        JsonNode t0 = torch.get(cases.get(0)).get(0);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Training step (forward, backward, AdamW),"
                + " batch %d, %d threads, fp32 unless noted, batch norm on running statistics (ours: frozen; PyTorch:"
                + " eval mode), 10 classes; median step of each run (%s), %d runs each, alternating%n%n"
                + "| case | SparkFT samples/s median [min–max] | PyTorch %s fp32 samples/s median [min–max] | ratio |"
                + " PyTorch bf16 autocast samples/s median [min–max] | peak RSS MB ours / PyTorch fp32 (medians) |"
                + " load avg 1 min per run (ours; PyTorch) |%n|---|---|---|---|---|---|---|%n", BATCH, THREADS,
                String.join(", ", cases.stream().map(c -> c.label() + ": " + c.steps() + " after " + c.warmup()
                        + " warm-up").toList()), repeats, t0.get("torch").asText()));
        for (Case c : cases) {
            List<JsonNode> o = ours.get(c);
            List<JsonNode> t = torch.get(c);
            double ratio = TextBench.median(o, n -> n.get("samplesPerSec").asDouble())
                    / TextBench.median(t, n -> n.get("samples_per_s").asDouble());
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %s | %.0f / %.0f | %s; %s |%n", c.label(),
                    spread(o, "samplesPerSec"), spread(t, "samples_per_s"), ratio,
                    bf16Runs ? spread(bf16.get(c), "samples_per_s") : "not run",
                    TextBench.median(o, n -> n.get("peakRssMb").asDouble()),
                    TextBench.median(t, n -> n.get("peak_rss_mb").asDouble()), loads(o), loads(t)));
        }
        md.append(String.format(Locale.ROOT, "%nSparkFT bf16: not available (the CNN engine refuses"
                + " `precision: bf16`; DJL 0.35.1's JNI has no bf16 dtype).%n%nWhere our step goes (medians, ms; the"
                + " split of fwd+bwd+export is from %d profiled steps of the engine's network in the first run) and"
                + " PyTorch's step, fp32 and channels-last (first repeat only):%n%n| case | our step | flat toArray |"
                + " setParameters | fwd+bwd+export | AdamW (flat, driver) | input | forward+loss | backward |"
                + " gradient export | PyTorch step | PyTorch channels-last samples/s |%n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|%n", PROFILE_STEPS));
        for (Case c : cases) {
            List<JsonNode> o = ours.get(c);
            JsonNode p = o.get(0);
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %.0f | %.1f | %.1f | %.0f | %.0f | %.1f |"
                    + " %.0f | %.2f |%n", c.label(), med(o, "stepMs"), med(o, "toArrayMs"), med(o, "loadMs"),
                    med(o, "fwdBwdExportMs"), med(o, "optimizerMs"), p.get("profileInputMs").asDouble(),
                    p.get("profileForwardMs").asDouble(), p.get("profileBackwardMs").asDouble(),
                    p.get("profileExportMs").asDouble(), 1e3 * TextBench.median(torch.get(c),
                            n -> n.get("median_step_s").asDouble()), channelsLast.containsKey(c)
                            ? channelsLast.get(c).get("samples_per_s").asDouble() : Double.NaN));
        }
        md.append(String.format(Locale.ROOT, "%nParameters: %s%n%n", String.join(", ", cases.stream()
                .map(c -> c.label() + " " + ours.get(c).get(0).get("parameters").asLong()).toList())));
        return md.toString();
    }

    private static String trainer(int repeats, Case c) throws Exception {
        List<JsonNode> bare = new ArrayList<>();
        List<JsonNode> spark = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            bare.add(java(List.of("-Dcnnbench.modelThread=true"), "engine", c.architecture(), Integer.toString(c.size()), Integer.toString(c.warmup()),
                    Integer.toString(c.steps()), "0"));
            spark.add(java("trainer", c.architecture(), Integer.toString(c.size()), Integer.toString(c.warmup()),
                    Integer.toString(c.steps())));
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Trainer vs bare engine loop, %s, global"
                + " batch %d, %d threads, %d steps after %d warm-up (medians per run), %d runs each, alternating%n%n"
                + "| | samples/s median [min–max] | ms/step | compute ms | update ms | overhead ms | peak RSS MB |"
                + " load avg 1 min per run |%n|---|---|---|---|---|---|---|---|%n", c.label(), CnnTrainerRun.GLOBAL_BATCH,
                THREADS, c.steps(), c.warmup(), repeats));
        md.append(String.format(Locale.ROOT, "| bare engine loop (1 JVM, %d threads, model on its own thread as in the trainer) | %s | %.0f | %.0f (toArray +"
                + " load + fwd/bwd) | %.0f | - | %.0f | %s |%n", THREADS, spread(bare, "samplesPerSec"),
                med(bare, "stepMs"), TextBench.median(bare, n -> n.get("toArrayMs").asDouble()
                        + n.get("loadMs").asDouble() + n.get("fwdBwdExportMs").asDouble()),
                med(bare, "optimizerMs"), med(bare, "peakRssMb"), loads(bare)));
        md.append(String.format(Locale.ROOT, "| SparkFT sync, local[1], 1 partition, %d libtorch threads | %s | %.0f |"
                + " %.0f | %.0f | %.0f | %.0f | %s |%n", THREADS, spread(spark, "samplesPerSec"), med(spark, "stepMs"),
                med(spark, "computeMs"), med(spark, "updateMs"), med(spark, "overheadMs"), med(spark, "peakRssMb"),
                loads(spark)));
        double[] pairs = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            pairs[r] = bare.get(r).get("samplesPerSec").asDouble() / spark.get(r).get("samplesPerSec").asDouble() - 1;
        }
        double ratio = med(spark, "samplesPerSec") / med(bare, "samplesPerSec");
        List<Double> sorted = java.util.Arrays.stream(pairs).sorted().boxed().toList();
        md.append(String.format(Locale.ROOT, "%nThroughput ratio SparkFT / bare (medians): %.3f (Spark overhead %.1f %%);"
                + " per adjacent pair, overhead %s %%. Payload per round: to worker %,d bytes, from worker %,d;"
                + " %d workers%n%n", ratio, 100 * (1 / ratio - 1),
                sorted.stream().map(v -> String.format(Locale.ROOT, "%.1f", 100 * v)).toList(),
                spark.get(0).get("bytesToWorker").asLong(), spark.get(0).get("bytesFromWorker").asLong(),
                spark.get(0).get("workers").asInt()));
        return md.toString();
    }

    private static double med(List<JsonNode> runs, String field) {
        return TextBench.median(runs, n -> n.get(field).asDouble());
    }

    private static String spread(List<JsonNode> runs, String field) {
        double[] v = runs.stream().mapToDouble(n -> n.get(field).asDouble()).sorted().toArray();
        return String.format(Locale.ROOT, "**%.1f** [%.1f–%.1f]", med(runs, field), v[0], v[v.length - 1]);
    }

    private static String loads(List<JsonNode> runs) {
        return runs.stream().map(n -> n.get("load").asText().split(" ")[0]).toList().toString();
    }

    /** One measurement in a fresh JVM (same classpath and flags) with {@value #THREADS} libtorch threads. */
    private static JsonNode java(String... what) throws Exception {
        return java(List.of(), what);
    }

    private static JsonNode java(List<String> flags, String... what) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The orchestrator's own flags (bench.sh's, plus $SPARKFT_BENCH_OPTS such as -Dcnnbench.modelThread=true)
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(flags);
        cmd.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=" + THREADS,
                "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"),
                CnnBench.class.getName()));
        cmd.addAll(List.of(what));
        Map<String, String> env = new LinkedHashMap<>(TextBench.MALLOC);
        env.put("OMP_NUM_THREADS", Integer.toString(THREADS));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        return TextBench.child(String.join(" ", what), cmd, env, TextBench.RESULT);
    }

    /** One run of the PyTorch reference script for one case and dtype (its one JSON line). */
    private static JsonNode python(Path repo, Case c, String dtype, boolean channelsLast) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("sparkft.python", "python3"),
                repo.resolve("scripts/reference/cnn_train_bench.py").toString(), "--threads", Integer.toString(THREADS),
                "--batch", Integer.toString(BATCH), "--classes", Integer.toString(CnnEngineLoop.CLASSES), "--warmup",
                Integer.toString(c.warmup()), "--steps", Integer.toString(c.steps()), "--bn", "eval", "--cases",
                c.architecture() + "@" + c.size(), "--dtypes", dtype));
        if (channelsLast) {
            cmd.add("--channels-last");
        }
        return TextBench.child("torch " + c.architecture() + "@" + c.size() + " " + dtype
                + (channelsLast ? " channels-last" : ""), cmd, Map.of("OMP_NUM_THREADS", Integer.toString(THREADS)), "{");
    }
}

package dev.sparkft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.PredictJob;
import dev.sparkft.spark.driver.SparkSessions;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;

/**
 * {@code predict}: throughput of {@code sparkft predict} at the MiniLM shape (the bundled all-MiniLM-L6-v2 with a
 * 2-class head, exported as a Hugging Face folder; 128 tokens; raw text of the spam sample, tokenised by the job)
 * vs PyTorch + transformers on the same folder and texts (scripts/reference/bench_predict_torch.py), on 2 cores
 * each: SparkFT in local[2] (two task slots, one model of one libtorch thread each, as deployed) against one
 * PyTorch process of 2 threads. Each measurement is a fresh process, SparkFT and PyTorch alternating; SparkFT's
 * figure is its second predict job in the JVM (the first builds the executor models), wall time of the whole job
 * (read, tokenise, score, write Parquet, commit). Writes Markdown to tests/target/bench-predict.md.
 */
public final class PredictBench {
    private static final int ROWS = 512;
    private static final int BATCH = 32;
    private static final int MAX_LENGTH = 128;
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private PredictBench() {
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", ".")).toAbsolutePath().normalize();
        switch (args.length == 0 ? "" : args[0]) {
            case "predict" -> compare(repo, args.length > 1 ? Integer.parseInt(args[1]) : 3);
            case "setup" -> setup(repo, Path.of(args[1]));
            case "run" -> System.out.println(TextBench.RESULT + run(Path.of(args[1])));
            default -> {
                System.err.println("usage: PredictBench predict [repeats]  (see docs/benchmarks.md)");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static void compare(Path repo, int repeats) throws Exception {
        Path work = Files.createTempDirectory("sparkft-predictbench");
        String load = TextBench.loadAverage();
        java("setup", work);
        List<JsonNode> ours = new ArrayList<>();
        List<JsonNode> torch = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            ours.add(java("run", work));
            List<String> cmd = List.of(System.getProperty("sparkft.python", "python3"),
                    repo.resolve("scripts/reference/bench_predict_torch.py").toString(), work.resolve("model").toString(),
                    work.resolve("texts").toString(), "--max-length", Integer.toString(MAX_LENGTH), "--batch",
                    Integer.toString(BATCH), "--threads", "2");
            torch.add(TextBench.child("torch predict", cmd, Map.of("OMP_NUM_THREADS", "2"), "{"));
        }
        double sparkft = TextBench.median(ours, n -> n.get("samplesPerSec").asDouble());
        double pytorch = TextBench.median(torch, n -> n.get("samples_per_s").asDouble());
        String md = String.format(Locale.ROOT, "Batch inference, all-MiniLM-L6-v2 (6 layers, hidden 384) + 2-class head,"
                + " %d raw texts of the spam sample, %d tokens, batch %d, 2 cores, %d runs each (alternating);"
                + " load average (1/5/15 min) at the start: %s%n%n| | samples/s (median) | min | max | runs | load avg"
                + " (1 min) per run |%n|---|---|---|---|---|---|%n%s%s%nRatio SparkFT / PyTorch: %.2f%n", ROWS,
                MAX_LENGTH, BATCH, repeats, load,
                row("SparkFT `predict`, local[2], 2 models x 1 libtorch thread (whole job: read, tokenise, score,"
                        + " write Parquet)", ours, "samplesPerSec"),
                row("PyTorch " + torch.get(0).get("torch").asText() + " + transformers "
                        + torch.get(0).get("transformers").asText() + ", 1 process x 2 threads (tokenise, score)",
                        torch, "samples_per_s"), sparkft / pytorch);
        System.out.println(md);
        Path file = repo.resolve("tests/target/bench-predict.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, md);
    }

    private static String row(String name, List<JsonNode> runs, String field) {
        double[] v = runs.stream().mapToDouble(n -> n.get(field).asDouble()).sorted().toArray();
        return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %s | %s |%n", name,
                TextBench.median(runs, n -> n.get(field).asDouble()), v[0], v[v.length - 1],
                runs.stream().map(n -> String.format(Locale.ROOT, "%.1f", n.get(field).asDouble())).toList(),
                runs.stream().map(n -> n.get("load").asText().split(" ")[0]).toList());
    }

    /** A child JVM with one libtorch thread per model (the deployed executor setting). */
    private static JsonNode java(String what, Path work) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"),
                PredictBench.class.getName(), what, work.toString()));
        Map<String, String> env = new LinkedHashMap<>(TextBench.MALLOC);
        env.put("OMP_NUM_THREADS", "1");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        if (what.equals("setup")) {
            List<String> setup = new ArrayList<>(cmd);
            Process p = new ProcessBuilder(setup).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("setup failed");
            }
            return null;
        }
        return TextBench.child("sparkft predict", cmd, env, TextBench.RESULT);
    }

    /** The exported folder (MiniLM encoder, seeded 2-class head) and the texts table. */
    private static void setup(Path repo, Path work) throws Exception {
        ModelSpec spec = new ModelSpec("djl-pytorch", Map.of("task", "sequence-classification", "numLabels", 2,
                "weights", "bundled:all-minilm-l6-v2", "seed", 3));
        Path tokenizer = work.resolve("tokenizer.json");
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            Files.copy(in, tokenizer);
        }
        ResolvedModel model = ModelEngines.resolve(spec);
        ModelEngines.find("djl-pytorch").exporter().orElseThrow().write(new ExportRequest(model.architecture(),
                model.initialParameters(), List.of("ham", "spam"), tokenizer, work.resolve("model")));
        SparkSession spark = SparkSessions.builder(new TrainConfig.Run("predict-bench-setup", "local[2]", 1,
                work.toString())).config("spark.ui.enabled", "false").getOrCreate();
        spark.read().parquet(repo.resolve("examples/data/spam/train").toString()).select(col("id"), col("text"))
                .filter(col("text").isNotNull()).orderBy(col("id")).limit(ROWS).repartition(2)
                .write().parquet(work.resolve("texts").toString());
        spark.stop();
    }

    /** Two predict jobs in one local[2] session; the second one timed. */
    private static ObjectNode run(Path work) throws Exception {
        String yaml = String.join("\n",
                "run: {name: predict-bench, master: \"local[2]\", outputDir: " + work.resolve("run") + "}",
                "data: {train: " + work.resolve("texts") + "}",
                "model: {engine: djl-pytorch, options: {task: sequence-classification, numLabels: 2}}",
                "training: {globalBatch: " + BATCH + ", steps: 1}",
                "optimizer: {learningRate: 1.0e-4}",   // required by the config; predict does not train
                "predict: {input: " + work.resolve("texts") + ", textColumn: text, keyColumns: [id], model: "
                        + work.resolve("model") + ", batchSize: " + BATCH + "}",
                "");
        SparkSession spark = SparkSessions.builder(new TrainConfig.Run("predict-bench", "local[2]", 1,
                work.toString())).config("spark.ui.enabled", "false").getOrCreate();
        Path out = Files.createTempDirectory(work, "out");
        TrainConfig warm = ConfigLoader.parse(yaml, false, List.of("predict.output=" + out.resolve("warm")));
        PredictJob.run(warm, QUIET);
        TrainConfig timed = ConfigLoader.parse(yaml, false, List.of("predict.output=" + out.resolve("timed")));
        long start = System.nanoTime();
        PredictJob.Outcome outcome = PredictJob.run(timed, QUIET);
        double seconds = (System.nanoTime() - start) / 1e9;
        spark.stop();
        ObjectNode n = FoundationBench.JSON.createObjectNode();
        return n.put("rows", outcome.scored()).put("seconds", seconds).put("samplesPerSec", outcome.scored() / seconds)
                .put("peakRssMb", ProcessMemory.peakResidentMb());
    }
}

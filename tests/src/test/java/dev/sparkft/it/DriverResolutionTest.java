package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.bert.BertExport;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.DriverModel;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.executor.BatchAssembler;
import dev.sparkft.spark.executor.BroadcastParameters;
import dev.sparkft.spark.executor.ClassificationWorker;
import dev.sparkft.spark.executor.GradientWorker;
import dev.sparkft.spark.executor.LocalStepsWorker;
import dev.sparkft.spark.executor.WirePrecision;
import dev.sparkft.spark.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model is resolved once, on the driver: a tiny Hugging Face folder given as a {@code file:} URI is read by
 * {@link DriverModel#resolve}, then deleted, and training in local mode still succeeds (nothing opens the path
 * again); what executors receive serialises without the path.
 */
class DriverResolutionTest {
    @TempDir
    Path dir;

    /** A seeded random tiny BERT sequence classifier written as a Hugging Face folder (config.json + weights). */
    private Path tinyFolder(String name) throws IOException {
        String yaml = TinyBertSlice.config("export", null, dir.resolve("unused"), dir.resolve("unused.parquet"), 1, 1);
        ResolvedModel random = ModelEngines.resolve(ConfigLoader.parse(yaml, false, List.of()).model());
        BertModelOptions options = random.architecture().details(BertModelOptions.class);
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Path folder = dir.resolve(name);
        BertExport.write(options, options.layout(), random.initialParameters(), List.of("no", "yes"), tokenizer,
                folder);
        return folder;
    }

    /** The run config with the folder (as a {@code file:} URI) for weights; its config.json gives the shape. */
    private TrainConfig config(Path folder, Path train, String name) {
        String yaml = TinyBertSlice.config(name, null, dir.resolve(name), train, 2, 3)
                .replace("seed: 7, config: {vocab_size: " + TinyBertSlice.VOCAB + ", hidden_size: 32,"
                        + " num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64,"
                        + " max_position_embeddings: 32}}", "seed: 7, weights: \"" + folder.toUri() + "\"}");
        TrainConfig config = ConfigLoader.parse(yaml, false, List.of());
        assertEquals(folder.toUri().toString(), config.model().options().get("weights"), "the config names the URI");
        return config;
    }

    @Test
    void trainingNeedsTheWeightsFolderOnlyUntilTheDriverResolvedIt() throws Exception {
        SparkSession spark = TestSpark.session();
        Path folder = tinyFolder("hf-model");
        Path train = dir.resolve("train.parquet");
        TinyBertSlice.write(spark, TinyBertSlice.rows(3), train);
        TrainConfig config = config(folder, train, "resolved");
        float[] fromFolder = ModelEngines.resolve(new ModelSpec(config.model().engine(),
                Map.of("task", "sequence-classification", "numLabels", 2,
                        "weights", folder.toString()))).initialParameters();

        DriverModel model = DriverModel.resolve(config.model(), false, spark.sparkContext().hadoopConfiguration());
        deleteRecursively(folder);
        assertFalse(Files.exists(folder));

        TrainingResult result = TrainingService.train(config, model, System.out, () -> false);
        assertEquals(3, result.endStep());
        assertEquals(3, result.rounds().size());
        assertTrue(result.rounds().stream().allMatch(r -> Double.isFinite(r.loss()) && !r.skipped()),
                "every step trained");
        assertFalse(Arrays.equals(fromFolder, result.params()), "the parameters moved from the folder's");
        assertFalse(Files.exists(folder), "nothing recreated the folder");
    }

    @Test
    void whatExecutorsReceiveHoldsNoWeightsPath() throws Exception {
        SparkSession spark = TestSpark.session();
        Path folder = tinyFolder("hf-path-marker");
        Path train = dir.resolve("train-bytes.parquet");
        TinyBertSlice.write(spark, TinyBertSlice.rows(4), train);
        TrainConfig config = config(folder, train, "bytes");
        String marker = "hf-path-marker";
        // The check can fail: the user's spec, which only the driver holds, does name the folder.
        assertTrue(contains(serialise(config.model()), marker), "the spec names the folder");

        DriverModel model = DriverModel.resolve(config.model(), false, spark.sparkContext().hadoopConfiguration());
        assertFalse(contains(serialise(model.architecture()), marker), "the architecture names no path");

        // The workers the training masters and the validator ship to executors each round, with a real broadcast.
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        BatchAssembler assembler = new BatchAssembler(spark.read().parquet(train.toString()).schema(),
                List.of("input_ids", "attention_mask", "token_type_ids", "label"), train.toString());
        Broadcast<Object> broadcast = sc.broadcast(new float[] {1f, 2f});
        try {
            BroadcastParameters params = new BroadcastParameters(List.of(broadcast), WirePrecision.FP32, 2);
            List<Serializable> shipped = List.of(
                    new GradientWorker(model.architecture(), assembler, "key", params, 0, new long[] {0, 1}, 4, 0),
                    new LocalStepsWorker(model.architecture(), assembler, "key", params, 0, new long[][] {{0, 1}}, 4,
                            config.optimizer(), 0, new long[] {0}),
                    new ClassificationWorker(model.architecture(), assembler, params, 4, List.of("no", "yes"),
                            train.toString()));
            for (Serializable worker : shipped) {
                for (java.lang.reflect.Field f : worker.getClass().getDeclaredFields()) {
                    assertFalse(f.getType() == ModelSpec.class || f.getType() == TrainConfig.class,
                            worker.getClass().getSimpleName() + "." + f.getName() + " would carry the user's spec");
                }
                byte[] bytes = serialise(worker);
                assertTrue(contains(bytes, "train-bytes.parquet"), "the check sees the strings a worker holds");
                assertFalse(contains(bytes, marker), worker.getClass().getSimpleName() + " names the weights path");
            }
        } finally {
            broadcast.destroy();
        }
    }

    private static byte[] serialise(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    /** Whether {@code text} occurs in {@code bytes} as Java serialisation writes strings (modified UTF-8). */
    private static boolean contains(byte[] bytes, String text) {
        return new String(bytes, StandardCharsets.ISO_8859_1).contains(text);
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

package dev.sparkft.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String MINIMAL = String.join("\n",
            "data: {train: /data/train.parquet}",
            "model:",
            "  engine: dl4j",
            "  options: {network: mlp, hidden: [64, 32], dropout: 0.1}",
            "training: {globalBatch: 32, steps: 100}",
            "optimizer: {type: adamw, learningRate: 0.001}",
            "");

    private static IllegalArgumentException fails(String yaml, String... overrides) {
        return assertThrows(IllegalArgumentException.class, () -> ConfigLoader.parse(yaml, false, List.of(overrides)));
    }

    @Test
    void defaultsAndPassThroughModelOptions() {
        TrainConfig c = ConfigLoader.parse(MINIMAL, false, List.of());
        assertEquals("local[2]", c.run().master());
        assertEquals("runs/sparkft", c.run().outputDir());
        assertEquals(TrainConfig.Mode.SYNC, c.training().mode());
        assertEquals(32, c.training().microBatch(), "microBatch defaults to the global batch");
        assertNull(c.data().validation());
        assertEquals("runs/sparkft/checkpoints", c.checkpoint().dir());
        assertEquals(TrainConfig.NonFinitePolicy.FAIL, c.onNonFinite());
        assertEquals(new TrainConfig.SkipLimits(5, 50), c.nonFiniteSkips());
        assertEquals(1, c.checkpoint().everyEpochs(), "a checkpoint per epoch unless told otherwise");
        assertEquals(Map.of("network", "mlp", "hidden", List.of(64, 32), "dropout", 0.1), c.model().options());
        assertEquals("sgd", c.training().averaging().outer().type());
        assertEquals(1.0, c.training().averaging().outer().learningRate());
    }

    @Test
    void unknownKeysAreNamedWithTheirPath() {
        IllegalArgumentException e = fails(MINIMAL + "training2: {}\n");
        assertTrue(e.getMessage().startsWith("unknown key 'training2'"), e.getMessage());
        e = fails(MINIMAL, "training.glbalBatch=64");
        assertTrue(e.getMessage().startsWith("unknown key 'training.glbalBatch'"), e.getMessage());
        e = fails(MINIMAL, "training.averaging.outer.lr=0.7");
        assertTrue(e.getMessage().startsWith("unknown key 'training.averaging.outer.lr'"), e.getMessage());
        e = fails(MINIMAL, "optimizer.schedule.warmup=10");
        assertTrue(e.getMessage().startsWith("unknown key 'optimizer.schedule.warmup'"), e.getMessage());
    }

    @Test
    void repeatedKeysAreRefusedNotSilentlyOverwritten() {
        IllegalArgumentException yaml = fails(MINIMAL + "optimizer: {learningRate: 0.5}\n");
        assertTrue(yaml.getMessage().startsWith("not valid YAML: key 'optimizer' is given twice; keep one of them"
                + " (line "), yaml.getMessage());
        IllegalArgumentException nested = fails(MINIMAL.replace("steps: 100}", "steps: 100, globalBatch: 64}"));
        assertTrue(nested.getMessage().startsWith("not valid YAML: key 'globalBatch' is given twice"),
                nested.getMessage());
        IllegalArgumentException json = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.parse(
                "{\"data\": {\"train\": \"a\", \"train\": \"b\"}}", true, List.of()));
        assertTrue(json.getMessage().startsWith("not valid JSON: key 'train' is given twice"), json.getMessage());
    }

    @Test
    void theOuterOptimizersBadValuesNameItsOwnKeys() {
        IllegalArgumentException e = fails(MINIMAL, "training.averaging.outer.learningRate=-1");
        assertEquals("training.averaging.outer.learningRate must be > 0, got -1.0", e.getMessage());
        e = fails(MINIMAL, "training.averaging.outer.momentum=.inf");
        assertTrue(e.getMessage().startsWith("training.averaging.outer.momentum must be a finite number"),
                e.getMessage());
    }

    @Test
    void communicationSettingsAreCheckedAndOnlyThePrecisionIsPartOfTheRun() {
        TrainConfig c = ConfigLoader.parse(MINIMAL, false, List.of());
        assertEquals(new TrainConfig.Communication(dev.sparkft.spark.executor.WirePrecision.FP32, 128L << 20),
                c.training().communication());
        assertTrue(!ConfigLoader.toTree(c).get("training").has("communication"), "fp32: nothing in the tree");
        TrainConfig bf16 = ConfigLoader.parse(MINIMAL, false, List.of("training.communication.precision=BF16",
                "training.communication.chunkBytes=4096"));
        assertEquals(dev.sparkft.spark.executor.WirePrecision.BF16, bf16.training().communication().precision());
        assertEquals(2048, bf16.training().communication().chunkValues());
        // bf16 changes the trajectory, so the checkpoint's config carries it; the chunk size changes no bit.
        assertEquals("{\"precision\":\"bf16\"}", ConfigLoader.toTree(bf16).get("training").get("communication").toString());
        IllegalArgumentException e = fails(MINIMAL, "training.communication.precision=fp16");
        assertEquals("training.communication.precision must be fp32 or bf16, got 'fp16'", e.getMessage());
        e = fails(MINIMAL, "training.communication.chunkBytes=8");
        assertTrue(e.getMessage().startsWith("training.communication.chunkBytes must be in [16, 536870912]"),
                e.getMessage());
        e = fails(MINIMAL, "training.communication.chunk=8");
        assertTrue(e.getMessage().startsWith("unknown key 'training.communication.chunk'"), e.getMessage());

        // Compression changes the trajectory too: its type and the setting that matters for it are in the tree.
        TrainConfig int8 = ConfigLoader.parse(MINIMAL, false, List.of("training.communication.compression.type=INT8",
                "training.communication.compression.blockSize=128"));
        assertEquals(new dev.sparkft.spark.executor.DeltaCompression(
                dev.sparkft.spark.executor.DeltaCompression.Kind.INT8, 128, 0.01), int8.training().communication()
                .compression());
        assertEquals("{\"compression\":{\"type\":\"int8\",\"blockSize\":128}}",
                ConfigLoader.toTree(int8).get("training").get("communication").toString());
        TrainConfig topk = ConfigLoader.parse(MINIMAL, false, List.of("training.communication.compression.type=topk",
                "training.communication.compression.fraction=0.001"));
        assertEquals("{\"compression\":{\"type\":\"topk\",\"fraction\":0.001}}",
                ConfigLoader.toTree(topk).get("training").get("communication").toString());
        e = fails(MINIMAL, "training.communication.compression.type=fp8");
        assertEquals("training.communication.compression.type must be none, int8 or topk, got 'fp8'", e.getMessage());
        e = fails(MINIMAL, "training.communication.compression.fraction=1.5");
        assertTrue(e.getMessage().startsWith("training.communication.compression.fraction must be in (0, 1]"),
                e.getMessage());
        e = fails(MINIMAL, "training.communication.compression.ratio=8");
        assertTrue(e.getMessage().startsWith("unknown key 'training.communication.compression.ratio'"), e.getMessage());
    }

    @Test
    void loggingKeysDefaultUnderTheRunFolderAndNameBadValues() {
        TrainConfig c = ConfigLoader.parse(MINIMAL, false, List.of("run.outputDir=/data/runs/a"));
        assertEquals("/data/runs/a/tensorboard", c.logging().tensorboardDir());
        assertEquals(0.0, c.logging().peakFlops());
        TrainConfig set = ConfigLoader.parse(MINIMAL, false, List.of("logging.tensorboardDir=hdfs://nn/tb/a",
                "logging.peakFlops=6.7e13"));
        assertEquals("hdfs://nn/tb/a", set.logging().tensorboardDir());
        assertEquals(6.7e13, set.logging().peakFlops());
        assertEquals("{\"everySteps\":10,\"metricsFile\":\"runs/t/metrics.jsonl\",\"tensorboardDir\":\"hdfs://nn/tb/a\","
                + "\"peakFlops\":6.7E13}", ConfigLoader.toTree(ConfigLoader.parse(MINIMAL, false, List.of(
                        "run.outputDir=runs/t", "logging.tensorboardDir=hdfs://nn/tb/a", "logging.peakFlops=6.7e13")))
                .get("logging").toString());
        IllegalArgumentException e = fails(MINIMAL, "logging.peakFlops=-1");
        assertTrue(e.getMessage().startsWith("logging.peakFlops must be a FLOP/s figure >= 0"), e.getMessage());
        e = fails(MINIMAL, "logging.tensorboardDir=");
        assertEquals("logging.tensorboardDir must not be empty", e.getMessage());
    }

    @Test
    void illTypedValuesAreNamed() {
        IllegalArgumentException e = fails(MINIMAL, "training.globalBatch=lots");
        assertEquals("key 'training.globalBatch' must be an integer, got \"lots\"", e.getMessage());
        e = fails(MINIMAL, "training.steps=1.5");
        assertTrue(e.getMessage().startsWith("key 'training.steps' must be an integer"), e.getMessage());
        e = fails(MINIMAL, "optimizer.learningRate=fast");
        assertTrue(e.getMessage().startsWith("key 'optimizer.learningRate' must be a number"), e.getMessage());
        e = fails(MINIMAL.replace("training: {globalBatch: 32, steps: 100}", "training: 5"));
        assertTrue(e.getMessage().startsWith("key 'training' must be a section"), e.getMessage());
        e = fails(MINIMAL, "training.mode=async");
        assertTrue(e.getMessage().contains("'training.mode' must be one of [sync, averaging]"), e.getMessage());
    }

    @Test
    void overridesApplyInOrderAndParseScalars() {
        TrainConfig c = ConfigLoader.parse(MINIMAL, false, List.of("training.globalBatch=64", "training.microBatch=16",
                "run.seed=7", "onNonFinite=skip", "data.validation=/data/val.parquet", "model.options.dropout=0.2",
                "training.globalBatch=128"));
        assertEquals(128, c.training().globalBatch());
        assertEquals(16, c.training().microBatch());
        assertEquals(7, c.run().seed());
        assertEquals(TrainConfig.NonFinitePolicy.SKIP, c.onNonFinite());
        assertEquals("/data/val.parquet", c.data().validation());
        assertEquals(0.2, c.model().options().get("dropout"));
    }

    @Test
    void crossFieldChecksRunBeforeSpark() {
        IllegalArgumentException e = fails(MINIMAL, "training.microBatch=64");
        assertEquals("training.microBatch (64) must be <= training.globalBatch (32)", e.getMessage());
        e = fails(MINIMAL, "training.epochs=2");
        assertTrue(e.getMessage().startsWith("set exactly one of training.steps or training.epochs"), e.getMessage());
        e = fails(MINIMAL, "training.mode=averaging", "training.averaging.localSteps=4", "checkpoint.everySteps=10");
        assertTrue(e.getMessage().contains("must be a multiple of training.averaging.localSteps (4)"), e.getMessage());
        e = fails(MINIMAL.replace("data: {train: /data/train.parquet}\n", ""));
        assertEquals("missing required key 'data.train'", e.getMessage());
    }

    @Test
    void evaluationSettingsAreCheckedAndRoundTrip(@TempDir Path dir) throws Exception {
        TrainConfig c = ConfigLoader.parse(MINIMAL, false, List.of("data.validation=/data/val.parquet",
                "evaluation.metric=macroF1", "evaluation.patience=3", "evaluation.labels=[neg, pos]"));
        assertEquals(new TrainConfig.Evaluation(1, TrainConfig.Metric.MACRO_F1, 3, List.of("neg", "pos")), c.evaluation());
        Path json = dir.resolve("run.json");
        Files.writeString(json, ConfigLoader.toTree(c).toPrettyString());
        assertEquals(c, ConfigLoader.load(json, List.of()));

        IllegalArgumentException e = fails(MINIMAL, "evaluation.metric=f1");
        assertEquals("key 'evaluation.metric' must be one of [accuracy, macroF1, loss], got 'f1'", e.getMessage());
        e = fails(MINIMAL, "evaluation.patience=2");
        assertTrue(e.getMessage().startsWith("evaluation.patience needs data.validation"), e.getMessage());
        e = fails(MINIMAL, "data.validation=/v", "evaluation.patience=2", "evaluation.everyEpochs=0");
        assertTrue(e.getMessage().startsWith("evaluation.patience needs evaluation.everyEpochs >= 1"), e.getMessage());
        e = fails(MINIMAL, "evaluation.labels=[a, a]");
        assertTrue(e.getMessage().contains("duplicate"), e.getMessage());
        e = fails(MINIMAL, "evaluation.labels={a: 1}");
        assertTrue(e.getMessage().startsWith("key 'evaluation.labels' must be a list of strings"), e.getMessage());
    }

    @Test
    void canonicalTreeReadsBackToTheSameConfig(@TempDir Path dir) throws Exception {
        TrainConfig c = ConfigLoader.parse(MINIMAL, false, List.of("training.mode=averaging",
                "training.averaging.localSteps=4", "training.averaging.outer.type=nesterov",
                "training.averaging.outer.momentum=0.9", "optimizer.schedule.type=cosine",
                "optimizer.schedule.totalSteps=100", "optimizer.schedule.warmupSteps=10"));
        Path json = dir.resolve("run.json");
        Files.writeString(json, ConfigLoader.toTree(c).toPrettyString());
        assertEquals(c, ConfigLoader.load(json, List.of()));
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, MINIMAL + "logging: {everySteps: 0}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load(yaml, List.of()));
        assertEquals(yaml + ": logging.everySteps must be >= 1, got 0", e.getMessage());
        Files.writeString(yaml, "data: [unclosed");
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(yaml, List.of()));
        assertTrue(e.getMessage().startsWith(yaml + ": not valid YAML"), e.getMessage());
    }

    /** {@code --config} may be any Hadoop FileSystem URI: a {@code file:} one is read like the local path. */
    @Test
    void configFileIsReadFromAFileUri(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(yaml, MINIMAL);
        String uri = yaml.toUri().toString();
        assertTrue(uri.startsWith("file:/"), uri);
        TrainConfig fromUri = ConfigLoader.load(uri, List.of("training.globalBatch=48"));
        assertEquals(ConfigLoader.parse(MINIMAL, false, List.of("training.globalBatch=48")), fromUri);
        assertEquals(48, fromUri.training().globalBatch());

        String missing = dir.resolve("missing.yaml").toUri().toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load(missing, List.of()));
        assertEquals("cannot read config file " + missing + ": no such file", e.getMessage());

        Files.writeString(yaml, MINIMAL + "logging: {everySteps: 0}\n");
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(uri, List.of()));
        assertEquals(uri + ": logging.everySteps must be >= 1, got 0", e.getMessage());
    }
}

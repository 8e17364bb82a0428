package dev.sparkft.it;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.Tensor;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.PrepareConfig;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.EvaluateJob;
import dev.sparkft.spark.driver.ExportJob;
import dev.sparkft.spark.driver.PredictJob;
import dev.sparkft.spark.driver.PrepareService;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped image example through every job, small: examples/fashion-images-resnet18.yaml itself (outputs
 * moved to a temporary folder, 2 epochs = 6 steps) prepares the 120 sample PNGs to 3×64×64, trains a ResNet-18 from
 * random initialisation (batch statistics), and then: {@code evaluate} of the checkpoint and of the exported folder
 * give training's own report; {@code export} writes config.json with the class names and model.safetensors under
 * torchvision's names; {@code predict} scores every row with probabilities that sum to 1; and the PyTorch reference
 * (scripts/reference/check_cnn_export.py) loads the folder with load_state_dict(strict=True) and gives predict's
 * logits on the same pixels within 1e-4. A model whose imageSize differs from dataset.json's is refused first.
 */
class FashionImagesJobsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CLASSES = List.of("t-shirt-top", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle-boot");

    @TempDir
    static Path dir;

    @Test
    void prepareTrainEvaluateExportPredictMatchesPyTorch() throws Exception {
        SparkSession spark = TestSpark.session();
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath();
        Path example = repo.resolve("examples/fashion-images-resnet18.yaml");
        Path data = dir.resolve("data");
        Path out = dir.resolve("run");
        Path model = out.resolve("model");
        Path incoming = dir.resolve("incoming");
        List<String> overrides = List.of("prepare.input=" + repo.resolve("examples/data/fashion-images/images"),
                "prepare.output=" + data, "data.train=" + data.resolve("train"),
                "data.validation=" + data.resolve("validation"), "run.outputDir=" + out,
                "checkpoint.dir=" + out.resolve("checkpoints"), "export.dir=" + model, "training.epochs=2",
                "evaluation.everyEpochs=0", "evaluate.outputDir=" + dir.resolve("evaluation"),
                "predict.input=" + incoming, "predict.output=" + dir.resolve("predictions"), "predict.model=" + model,
                "predict.keyColumns=[id, label]");

        PrepareService.Outcome prepared = PrepareService.prepare(PrepareConfig.load(example.toString(), overrides),
                System.out);
        assertEquals(List.of(3, 64, 64), prepared.dataset().imageShape());
        TrainConfig config = ConfigLoader.load(example, overrides);

        // A model at another input size is refused before training, naming dataset.json and both shapes.
        List<String> wrongSize = new ArrayList<>(overrides);
        wrongSize.add("model.options.imageSize=[3, 32, 128]");
        wrongSize.add("run.outputDir=" + dir.resolve("wrong-size"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> TrainingService.train(ConfigLoader.load(example, wrongSize), false, System.out));
        String m = refused.getMessage();
        assertTrue(m.contains("dataset.json") && m.contains("[3, 64, 64]") && m.contains("[3, 32, 128]")
                && m.contains("model.options.imageSize"), m);
        assertFalse(Files.exists(out.resolve("checkpoints")), "nothing was trained");

        TrainingService.train(config, false, System.out);
        String trained = Files.readString(out.resolve("report.txt"));
        assertTrue(trained.startsWith("end of run at step 6"), trained);
        // Each round's MFU uses ResNet-18's FLOPs at 3x64x64: PyTorch's FlopCounterMode gives 869,038,080 per
        // training image (scripts/reference/cnn_flops.py; CnnFlopsTest checks the count at other shapes).
        int rounds = 0;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode round = JSON.readTree(line);
            if (round.has("flopsPerExample")) {
                assertEquals(869_038_080.0, round.path("flopsPerExample").asDouble(), 0, line);
                assertTrue(round.path("mfu").asDouble() > 0 && round.path("mfu").asDouble() < 1, line);
                rounds++;
            }
        }
        assertEquals(6, rounds);
        String trainedBody = body(trained);
        for (String name : CLASSES) {
            assertTrue(trainedBody.contains(name), "class " + name + " in " + trained);
        }

        // evaluate: the final checkpoint, then the exported folder (weights: folder), give training's report.
        EvaluateJob.Outcome fromCheckpoint = EvaluateJob.run(config, null, List.of(), System.out);
        assertEquals(trainedBody, body(Files.readString(fromCheckpoint.report())));
        EvaluateJob.Outcome fromFolder = EvaluateJob.run(with(config, "evaluate.model=" + model,
                "evaluate.outputDir=" + dir.resolve("evaluation-folder")), null, List.of(), System.out);
        assertEquals(trainedBody, body(Files.readString(fromFolder.report())));

        // export: the same checkpoint again, into a new folder; config.json names the classes, the tensors carry
        // torchvision's names and equal the ones training exported.
        Path exported = ExportJob.run(with(config, "export.dir=" + dir.resolve("exported")), null, System.out);
        JsonNode folderConfig = JSON.readTree(exported.resolve("config.json").toFile());
        assertEquals("sparkft-cnn", folderConfig.path("model_type").asText());
        assertEquals("resnet18", folderConfig.path("architecture").asText());
        List<String> names = new ArrayList<>();
        folderConfig.path("class_names").forEach(n -> names.add(n.asText()));
        assertEquals(CLASSES, names);
        assertEquals(List.of(3, 64, 64), JSON.convertValue(folderConfig.path("image_size"), List.class));
        Map<String, Tensor> tensors = SafeTensors.read(exported.resolve("model.safetensors"));
        for (String key : List.of("conv1.weight", "bn1.weight", "bn1.running_mean", "bn1.running_var",
                "layer1.0.conv1.weight", "layer4.1.bn2.running_var", "layer2.0.downsample.0.weight", "fc.weight",
                "fc.bias")) {
            assertTrue(tensors.containsKey(key), key + " in " + tensors.keySet());
        }
        assertArrayEquals(new long[] {10, 512}, tensors.get("fc.weight").shape());
        assertTrue(tensors.keySet().stream().noneMatch(k -> k.endsWith("num_batches_tracked")), tensors.keySet()
                .toString());
        Map<String, Tensor> trainedTensors = SafeTensors.read(model.resolve("model.safetensors"));
        assertEquals(trainedTensors.keySet(), tensors.keySet());
        assertArrayEquals(trainedTensors.get("layer3.1.bn1.running_mean").floats(),
                tensors.get("layer3.1.bn1.running_mean").floats());

        // predict: the validation images with an id, scored with the exported folder.
        spark.read().parquet(data.resolve("validation").toString()).withColumn("id", monotonically_increasing_id())
                .repartition(2).write().parquet(incoming.toString());
        PredictJob.Outcome predicted = PredictJob.run(config, System.out);
        assertEquals(30, predicted.scored());
        assertEquals(Map.of(), predicted.rejected());
        List<Row> rows = spark.read().parquet(dir.resolve("predictions").toString())
                .join(spark.read().parquet(incoming.toString()).select("id", "pixels"), "id").orderBy(col("id"))
                .collectAsList();
        assertEquals(30, rows.size());
        int n = rows.size();
        float[] pixels = new float[n * 3 * 64 * 64];
        float[] logits = new float[n * CLASSES.size()];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            List<Float> p = r.getList(r.fieldIndex("probabilities"));
            assertEquals(CLASSES.size(), p.size());
            double sum = 0;
            int best = 0;
            for (int c = 0; c < p.size(); c++) {
                sum += p.get(c);
                best = p.get(c) > p.get(best) ? c : best;
            }
            assertEquals(1.0, sum, 1e-5, "probabilities of row " + r.getLong(r.fieldIndex("id")));
            assertEquals(best, r.getInt(r.fieldIndex("predicted_index")));
            assertEquals(CLASSES.get(best), r.getString(r.fieldIndex("predicted_label")));
            correct += best == r.getInt(r.fieldIndex("label")) ? 1 : 0;
            List<Float> z = r.getList(r.fieldIndex("logits"));
            for (int c = 0; c < CLASSES.size(); c++) {
                logits[i * CLASSES.size() + c] = z.get(c);
            }
            byte[] image = (byte[]) r.get(r.fieldIndex("pixels"));
            for (int j = 0; j < image.length; j++) {
                pixels[i * image.length + j] = image[j] & 0xff;
            }
        }
        assertEquals(fromFolder.result().report().accuracy(), correct / (double) n, 1e-12,
                "predict's labels give evaluate's accuracy");

        imageFiles(spark, config, repo, logits);

        // PyTorch: torchvision-named reference network, load_state_dict(strict=True), same pixels, same logits.
        Path batch = dir.resolve("scored.safetensors");
        Map<String, Tensor> scored = new LinkedHashMap<>();
        scored.put("pixels", Tensor.ofFloats(pixels, n, 3, 64, 64));
        scored.put("logits", Tensor.ofFloats(logits, n, CLASSES.size()));
        SafeTensors.write(batch, scored, Map.of(), SafeTensors.Dtype.F32);
        Path python = ReferencePython.require(repo);
        Path log = dir.resolve("check_cnn_export.log");
        Process check = new ProcessBuilder(python.toString(),
                repo.resolve("scripts/reference/check_cnn_export.py").toString(), model.toString(), batch.toString(),
                batch.toString(), "--tolerance", "1e-4").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!check.waitFor(5, TimeUnit.MINUTES)) {
            check.destroyForcibly();
            throw new AssertionError("check_cnn_export.py took over 5 minutes");
        }
        String said = Files.readString(log);
        System.out.print(said);
        assertEquals(0, check.exitValue(), said);
        assertTrue(said.contains("load_state_dict(strict=True) OK") && said.contains("OK (tolerance"), said);
    }

    /**
     * {@code predict.format: images} on the sample's 120 PNG files and one broken file: each file is decoded as
     * prepare decoded it, so the 30 validation images get the very logits predict gave their prepared pixels; the
     * broken file is a reject with the decoder's reason.
     */
    private static void imageFiles(SparkSession spark, TrainConfig config, Path repo, float[] validationLogits)
            throws Exception {
        Path files = dir.resolve("image-files");
        Path sample = repo.resolve("examples/data/fashion-images/images");
        try (var walk = Files.walk(sample)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                Path copy = files.resolve(sample.relativize(f).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(f, copy);
            }
        }
        Files.writeString(files.resolve("broken.png"), "not an image");
        Path output = dir.resolve("predictions-files");
        PredictJob.Outcome outcome = PredictJob.run(with(config, "predict.format=images", "predict.input=" + files,
                "predict.keyColumns=[]", "predict.output=" + output), System.out);
        assertEquals(120, outcome.scored());
        assertEquals(Map.of("not a JPEG or PNG image", 1L), outcome.rejected());
        List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
        assertEquals(List.of("path", "predicted_index", "predicted_label", "probabilities", "logits"),
                List.of(rows.get(0).schema().fieldNames()).stream().filter(c -> !c.equals("reason")).toList());
        int k = CLASSES.size();
        for (int i = 0; i < validationLogits.length / k; i++) {
            boolean found = false;
            for (Row r : rows) {
                List<Float> z = r.getList(r.fieldIndex("logits"));
                boolean same = true;
                for (int c = 0; c < k && same; c++) {
                    same = Math.abs(z.get(c) - validationLogits[i * k + c]) <= 1e-5;
                }
                found |= same;
            }
            assertTrue(found, "validation row " + i + "'s logits among the image files' predictions");
        }
    }

    private static TrainConfig with(TrainConfig config, String... overrides) {
        return ConfigLoader.parse(ConfigLoader.toTree(config).toString(), true, List.of(overrides));
    }

    /** A report without its first line (which names the job and the model's source). */
    private static String body(String report) {
        return report.substring(report.indexOf('\n') + 1);
    }
}

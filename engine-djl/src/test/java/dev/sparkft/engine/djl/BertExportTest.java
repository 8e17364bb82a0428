package dev.sparkft.engine.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.bert.BertExport;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.bert.BertWeightsSource;
import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.BertConfigJson;
import dev.sparkft.hf.HuggingFaceFolder;
import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.testing.ChildProcess;
import dev.sparkft.testing.PythonReference;
import dev.sparkft.testing.Models;
import dev.sparkft.model.ResolvedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fine-tuned model exported as a Hugging Face folder loads back into this project with bit-identical parameters
 * and logits, and loads in transformers with the same logits (scripts/reference/check_export.py with the reference
 * venv, see {@link PythonReference}).
 */
class BertExportTest {
    private static final List<String> LABELS = List.of("negative", "neutral", "positive");

    @TempDir
    Path dir;

    @Test
    void exportLoadsBackWithTheSameParametersAndLogits() throws Exception {
        Path tokenizer = MiniLmText.tokenizerJson(dir);
        for (String task : List.of("sequence-classification", "token-classification")) {
            ModelSpec spec = TinyBert.spec(task, "cls", List.of());
            Batch batch = TinyBert.batch(5, 9, 3, 2);
            Path folder = dir.resolve(task);
            float[] trained;
            float[] logits;
            ResolvedModel resolved = ModelEngines.resolve(spec);
            try (TrainableModel m = ModelEngines.create(resolved.architecture())) {
                trained = sgdStep(m, batch, resolved.initialParameters());
                m.setParameters(trained);
                logits = m.predict(batch).floats();
                BertExport.write(resolved.architecture().details(BertModelOptions.class), m.layout(), trained, LABELS,
                        tokenizer, folder);
            }
            BertArchitecture expected = task.startsWith("token") ? BertArchitecture.TOKEN_CLASSIFICATION
                    : BertArchitecture.SEQUENCE_CLASSIFICATION;
            assertEquals(expected, BertConfigJson.read(folder.resolve("config.json")).architecture());
            assertEquals(LABELS, BertConfigJson.read(folder.resolve("config.json")).labels());
            assertEquals(task.startsWith("sequence"), HuggingFaceFolder.load(folder).encoder().hasPooler(), task);
            assertReadableByOthers(folder);

            Map<String, Object> reload = new LinkedHashMap<>(spec.options());
            reload.remove("config"); // taken from the folder's config.json
            reload.put("weights", folder.toString());
            reload.put("seed", 12345); // must not matter: every parameter comes from the folder
            ModelSpec reloaded = new ModelSpec(DjlEngine.NAME, reload);
            try (TrainableModel m = Models.create(reloaded)) {
                float[] loaded = Models.initial(reloaded);
                assertArrayEquals(trained, loaded, task + ": parameters after export and load");
                m.setParameters(loaded);
                assertArrayEquals(logits, m.predict(batch).floats(), task + ": logits after export and load");
            }
        }
        ModelSpec mean = TinyBert.spec("sequence-classification", "mean", List.of());
        ResolvedModel meanResolved = ModelEngines.resolve(mean);
        try (TrainableModel m = ModelEngines.create(meanResolved.architecture())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertExport.write(
                    meanResolved.architecture().details(BertModelOptions.class), m.layout(),
                    meanResolved.initialParameters(), LABELS, tokenizer, dir.resolve("mean")));
            assertTrue(e.getMessage().contains("pooling 'mean'"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("mean")));
    }

    /** MiniLM fine-tuned one step on real sentences, exported, loaded by transformers: logits within 1e-4. */
    @Test
    void transformersComputesOurLogitsFromTheExport() throws Exception {
        Path python = PythonReference.require(getClass());
        Path tokenizer = MiniLmText.tokenizerJson(dir);
        long[][][] inputs = MiniLmText.tokenise(tokenizer, MiniLmText.TEXTS);
        int n = inputs[0].length;
        int seq = inputs[0][0].length;
        Random r = new Random(4);
        int[] label = new int[n];
        int[] labels = new int[n * seq];
        for (int i = 0; i < n * seq; i++) {
            labels[i] = inputs[1][i / seq][i % seq] == 1 ? r.nextInt(3) : -100;
        }
        for (int i = 0; i < n; i++) {
            label[i] = r.nextInt(3);
        }
        Batch batch = MiniLmText.batch(inputs, Map.of("label", Tensor.ofInts(label, n),
                "labels", Tensor.ofInts(labels, n, seq)));
        for (String task : List.of("sequence-classification", "token-classification")) {
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("task", task);
            options.put("numLabels", LABELS.size());
            options.put("weights", BertWeightsSource.BUNDLED_MINILM);
            ModelSpec spec = new ModelSpec(DjlEngine.NAME, options);
            Path folder = dir.resolve(task);
            float[] logits;
            ResolvedModel resolved = ModelEngines.resolve(spec);
            try (TrainableModel m = ModelEngines.create(resolved.architecture())) {
                float[] trained = sgdStep(m, batch, resolved.initialParameters());
                m.setParameters(trained);
                logits = m.predict(batch).floats();
                BertExport.write(resolved.architecture().details(BertModelOptions.class), m.layout(), trained, LABELS,
                        tokenizer, folder);
            }
            Map<String, Object> reference = new LinkedHashMap<>();
            reference.put("task", task);
            reference.put("texts", MiniLmText.TEXTS);
            reference.put("input_ids", inputs[0]);
            reference.put("attention_mask", inputs[1]);
            reference.put("token_type_ids", inputs[2]);
            reference.put("logits", reshape(logits, n, seq, LABELS.size(), task));
            Path caseFile = dir.resolve(task + ".json");
            new ObjectMapper().writeValue(caseFile.toFile(), reference);
            ChildProcess.Result check = PythonReference.run(python, Duration.ofSeconds(120), "check_export.py",
                    folder.toString(), caseFile.toString(), "1e-4");
            System.out.println("check_export.py " + task + ":\n" + check.output().trim());
            assertEquals(0, check.exitCode(), check.tail());
        }
    }

    /** One SGD step on the batch's mean loss (lr 0.5: large enough to move every parameter visibly). */
    private static float[] sgdStep(TrainableModel m, Batch batch, float[] start) {
        m.setParameters(start);
        float[] gradient = new float[start.length];
        LossSum loss = m.accumulateGradient(batch, gradient);
        float[] next = start.clone();
        for (int i = 0; i < next.length; i++) {
            next[i] -= (float) (0.5 * gradient[i] / loss.weight());
        }
        return next;
    }

    /** Logits as nested lists: [n][classes], or [n][seq][classes] for token classification. */
    private static List<Object> reshape(float[] logits, int n, int seq, int classes, String task) {
        int groups = task.startsWith("token") ? n * seq : n;
        List<Object> vectors = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            List<Float> v = new ArrayList<>();
            for (int c = 0; c < classes; c++) {
                v.add(logits[g * classes + c]);
            }
            vectors.add(v);
        }
        if (groups == n) {
            return vectors;
        }
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(vectors.subList(i * seq, (i + 1) * seq));
        }
        return rows;
    }

    private static void assertReadableByOthers(Path folder) throws Exception {
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> all = files.toList();
            assertEquals(3, all.size(), all.toString());
            for (Path f : all) {
                assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)),
                        f.toString());
            }
        }
    }
}

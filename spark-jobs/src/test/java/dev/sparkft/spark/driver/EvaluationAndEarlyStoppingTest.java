package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validation report against an independent recount (plain-Java argmax over the model's own scores,
 * precision/recall/F1 counted here), label names from labels.json, report.txt and metrics lines, and early
 * stopping at the evaluation that a run without it shows to be the stopping point.
 */
class EvaluationAndEarlyStoppingTest {
    @TempDir
    static Path dir;
    static Blobs train;
    static Blobs validation;

    @BeforeAll
    static void data() {
        // 96 training examples at globalBatch 16: 6 steps per epoch.
        train = Blobs.write(TestSpark.session(), dir, 96, TestRuns.DIMS, TestRuns.CLASSES, 5, -1);
        validation = Blobs.write(TestSpark.session(), dir, 61, TestRuns.DIMS, TestRuns.CLASSES, 5, -1);
    }

    @Test
    void reportEqualsAnIndependentRecountWithLabelNamesFromLabelsJson() throws Exception {
        Files.writeString(Path.of(train.path()).getParent().resolve("labels.json"), "[\"north\", \"east\", \"south\"]");
        try {
            TrainConfig config = TestRuns.config(train.path(), dir.resolve("softmax"), "data.validation=" + validation.path(),
                    "training.steps=14", "data.partitions=3");
            TrainingResult result = TestRuns.train(config, false);
            assertEquals(List.of(6L, 12L, 14L), result.evaluations().stream().map(ValidationResult::step).toList(),
                    "evaluations after epochs 1 and 2, then at the end");
            ClassificationReport report = result.evaluations().get(2).report();
            assertEquals(List.of("north", "east", "south"), report.matrix().labels());
            checkAgainstRecount(report, config.model(), result.params());

            String text = Files.readString(dir.resolve("softmax").resolve("report.txt"));
            assertTrue(text.contains(report.format()), text);
            assertTrue(text.startsWith("end of run at step 14"), text);
            List<String> lines = Files.readAllLines(Path.of(config.logging().metricsFile()));
            JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
            assertEquals(report.accuracy(), last.get("accuracy").asDouble(), 0.0);
            assertEquals(report.macroAvg().f1(), last.get("macroF1").asDouble(), 0.0);
            assertTrue(last.get("end").asBoolean());
            assertEquals(14 + 3, lines.size(), "14 rounds and 3 evaluations");
        } finally {
            Files.delete(Path.of(train.path()).getParent().resolve("labels.json"));
        }
    }

    /** The same with a real engine (DL4J MLP), class names numbered for lack of labels.json or config. */
    @Test
    void dl4jReportEqualsAnIndependentRecount() {
        TrainConfig config = TestRuns.config(train.path(), dir.resolve("dl4j"), "data.validation=" + validation.path(),
                "model.engine=dl4j", "model.options={architecture: mlp, inputShape: [1, 1, 5], numClasses: 3, hidden: [8]}",
                "optimizer.type=adam", "optimizer.learningRate=0.01", "training.steps=10", "evaluation.everyEpochs=0");
        TrainingResult result = TestRuns.train(config, false);
        assertEquals(1, result.evaluations().size());
        ClassificationReport report = result.evaluations().get(0).report();
        assertEquals(List.of("0", "1", "2"), report.matrix().labels());
        checkAgainstRecount(report, config.model(), result.params());
    }

    @Test
    void earlyStoppingStopsAtTheExpectedEvaluationAndKeepsTheBest() throws Exception {
        String[] common = {"data.validation=" + validation.path(), "training.steps=90", "optimizer.learningRate=2.0",
                "evaluation.metric=macroF1"};
        // Without early stopping: the metric after each of 14 epochs (and the end of step 90).
        TrainingResult full = TestRuns.train(TestRuns.config(train.path(), dir.resolve("full"), common), false);
        List<ValidationResult> seen = full.evaluations();
        int patience = 2;
        int best = 0;
        int stopAt = -1;
        for (int i = 1; i < seen.size() - 1 && stopAt < 0; i++) {
            if (f1(seen.get(i)) > f1(seen.get(best))) {
                best = i;
            } else if (i - best >= patience) {
                stopAt = i;
            }
        }
        assertTrue(stopAt > 0, "the metric must plateau within 15 epochs for this test: " + seen.stream().map(
                EvaluationAndEarlyStoppingTest::f1).toList());

        TrainConfig config = TestRuns.config(train.path(), dir.resolve("stopped"), concat(common, "evaluation.patience=" + patience));
        TrainingResult stopped = TestRuns.train(config, false);
        assertTrue(stopped.stoppedEarly());
        assertEquals(seen.get(stopAt).step(), stopped.endStep(), "stops right after evaluation " + stopAt);
        assertEquals(seen.get(best).step(), stopped.bestStep());
        Checkpoint kept = new CheckpointStore(config.checkpoint().dir(), new Configuration(), 3)
                .read(new org.apache.hadoop.fs.Path(config.checkpoint().dir(), CheckpointStore.BEST));
        assertEquals(seen.get(best).step(), kept.step());
        ClassificationReport bestReport = checkAgainstRecount(seen.get(best).report(), config.model(), kept.params());
        assertEquals(f1(seen.get(best)), bestReport.macroAvg().f1(), 0.0);
        assertFalse(full.stoppedEarly());
    }

    private static double f1(ValidationResult r) {
        return r.report().macroAvg().f1();
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    /**
     * Predicts the validation set in one piece outside Spark, counts (label, argmax) and the per-class and
     * macro figures here, and checks {@code report} against them; returns {@code report}.
     */
    private static ClassificationReport checkAgainstRecount(ClassificationReport report, ModelSpec spec, float[] params) {
        int n = validation.labels().length;
        int k = TestRuns.CLASSES;
        float[] x = new float[n * TestRuns.DIMS];
        for (int i = 0; i < n; i++) {
            System.arraycopy(validation.features()[i], 0, x, i * TestRuns.DIMS, TestRuns.DIMS);
        }
        long[][] counts = new long[k][k];
        try (TrainableModel model = ModelEngines.create(ModelEngines.resolve(spec).architecture())) {
            model.setParameters(params);
            float[] scores = model.predict(new Batch(Map.of("features", Tensor.ofFloats(x, n, TestRuns.DIMS),
                    "label", Tensor.ofInts(validation.labels(), n)))).floats();
            for (int i = 0; i < n; i++) {
                int arg = 0;
                for (int c = 1; c < k; c++) {
                    arg = scores[i * k + c] > scores[i * k + arg] ? c : arg;
                }
                counts[validation.labels()[i]][arg]++;
            }
        }
        long correct = 0;
        double macroF1 = 0;
        for (int c = 0; c < k; c++) {
            long tp = counts[c][c];
            long predicted = 0;
            long actual = 0;
            for (int o = 0; o < k; o++) {
                assertEquals(counts[c][o], report.matrix().count(c, o), "count (" + c + ", " + o + ")");
                predicted += counts[o][c];
                actual += counts[c][o];
            }
            correct += tp;
            double precision = predicted == 0 ? 0 : tp / (double) predicted;
            double recall = actual == 0 ? 0 : tp / (double) actual;
            assertEquals(precision, report.classes().get(c).precision(), 1e-12);
            assertEquals(recall, report.classes().get(c).recall(), 1e-12);
            macroF1 += (precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)) / k;
        }
        assertEquals(correct / (double) n, report.accuracy(), 1e-12);
        assertEquals(macroF1, report.macroAvg().f1(), 1e-12);
        assertTrue(report.accuracy() > 0.5, "a trained model beats chance: " + report.accuracy());
        return report;
    }
}

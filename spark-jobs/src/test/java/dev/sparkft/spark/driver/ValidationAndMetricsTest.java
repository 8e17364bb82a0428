package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.eval.ConfusionMatrix;
import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.Tensor;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.SoftmaxRegressionModel;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation loss at the end of a run, and the metrics file's lines. */
class ValidationAndMetricsTest {
    @TempDir
    static Path dir;

    @Test
    void validationLossAndOneMetricsLinePerRound() throws Exception {
        Blobs train = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 21, -1);
        Blobs validation = Blobs.write(TestSpark.session(), dir, 37, TestRuns.DIMS, TestRuns.CLASSES, 21, -1);
        TrainConfig config = TestRuns.config(train.path(), dir.resolve("run"), "data.validation=" + validation.path(),
                "training.steps=6", "data.partitions=3");
        TrainingResult result = TestRuns.train(config, false);

        // The same loss computed in one piece outside Spark, at the final parameters.
        SoftmaxRegressionModel model = new SoftmaxRegressionModel(config.model().options());
        model.setParameters(result.params());
        int n = validation.labels().length;
        float[] x = new float[n * TestRuns.DIMS];
        for (int i = 0; i < n; i++) {
            System.arraycopy(validation.features()[i], 0, x, i * TestRuns.DIMS, TestRuns.DIMS);
        }
        LossSum expected = model.accumulateGradient(new Batch(Map.of("features", Tensor.ofFloats(x, n, TestRuns.DIMS),
                "label", Tensor.ofInts(validation.labels(), n))), new float[model.layout().size()]);
        assertEquals(expected.mean(), result.validationLoss(), 1e-9 * expected.mean());

        List<String> lines = Files.readAllLines(Path.of(config.logging().metricsFile()));
        assertEquals(7, lines.size(), "6 rounds and the validation line");
        ObjectMapper json = new ObjectMapper();
        for (int t = 0; t < 6; t++) {
            JsonNode line = json.readTree(lines.get(t));
            assertEquals(t, line.get("step").asLong());
            assertEquals(result.losses()[t], line.get("loss").asDouble(), 0.0);
            assertEquals(16, line.get("examples").asInt());
            assertEquals(4 * 18, line.get("bytesToWorker").asLong());
            assertTrue(line.get("roundMs").asDouble() > 0);
        }
        assertEquals(result.validationLoss(), json.readTree(lines.get(6)).get("validationLoss").asDouble(), 0.0);
    }

    /**
     * A windowed validation set (rows with a {@code document} column): the report judges whole documents by
     * the mean softmax over their windows, checked against the same vote computed here from the model's
     * logits; the per-window report stays alongside.
     */
    @Test
    void windowedValidationIsJudgedPerDocument() throws Exception {
        Blobs train = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 23, -1);
        Blobs blobs = Blobs.write(TestSpark.session(), dir, 61, TestRuns.DIMS, TestRuns.CLASSES, 24, -1);
        // Documents of up to 3 windows of one class, in row order, so windows of a document land in different
        // partitions of the validation set.
        int n = blobs.labels().length;
        int[] document = new int[n];
        int[] windowsIn = new int[TestRuns.CLASSES];
        int[] openDocument = new int[TestRuns.CLASSES];
        int documents = 0;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int y = blobs.labels()[i];
            if (windowsIn[y] % 3 == 0) {
                openDocument[y] = documents++;
            }
            windowsIn[y]++;
            document[i] = openDocument[y];
            Float[] boxed = new Float[TestRuns.DIMS];
            for (int j = 0; j < TestRuns.DIMS; j++) {
                boxed[j] = blobs.features()[i][j];
            }
            rows.add(RowFactory.create(boxed, y, document[i]));
        }
        String path = dir.resolve("windowed.parquet").toString();
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, false))
                .add("label", DataTypes.IntegerType).add("document", DataTypes.IntegerType);
        TestSpark.session().createDataFrame(rows, schema).repartition(3).write().parquet(path);
        TrainConfig config = TestRuns.config(train.path(), dir.resolve("run-windowed"), "data.validation=" + path,
                "training.steps=4", "data.partitions=3", "optimizer.learningRate=0.05");
        TrainingResult result = TestRuns.train(config, false);
        ValidationResult last = result.evaluations().get(result.evaluations().size() - 1);

        SoftmaxRegressionModel model = new SoftmaxRegressionModel(config.model().options());
        model.setParameters(result.params());
        float[] x = new float[n * TestRuns.DIMS];
        for (int i = 0; i < n; i++) {
            System.arraycopy(blobs.features()[i], 0, x, i * TestRuns.DIMS, TestRuns.DIMS);
        }
        float[] logits = model.predict(new Batch(Map.of("features", Tensor.ofFloats(x, n, TestRuns.DIMS)))).floats();
        List<String> names = last.report().classes().stream().map(ClassificationReport.ClassMetrics::label).toList();
        ConfusionMatrix perWindow = new ConfusionMatrix(names);
        double[][] meanProbability = new double[documents][TestRuns.CLASSES];
        int[] documentLabel = new int[documents];
        int k = TestRuns.CLASSES;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int c = 0; c < k; c++) {
                max = Math.max(max, logits[i * k + c]);
                best = logits[i * k + c] > logits[i * k + best] ? c : best;
            }
            perWindow.add(blobs.labels()[i], best);
            double total = 0;
            for (int c = 0; c < k; c++) {
                total += Math.exp(logits[i * k + c] - max);
            }
            for (int c = 0; c < k; c++) {
                meanProbability[document[i]][c] += Math.exp(logits[i * k + c] - max) / total;
            }
            documentLabel[document[i]] = blobs.labels()[i];
        }
        ConfusionMatrix perDocument = new ConfusionMatrix(names);
        for (int d = 0; d < documents; d++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                best = meanProbability[d][c] > meanProbability[d][best] ? c : best;
            }
            perDocument.add(documentLabel[d], best);
        }
        assertEquals(documents, support(last.report()), "one count per document");
        assertEquals(ClassificationReport.of(perDocument).format(), last.report().format());
        assertEquals(n, support(last.windows()));
        assertEquals(ClassificationReport.of(perWindow).format(), last.windows().format());
        assertTrue(last.scope().startsWith("per document"), last.scope());
        List<String> lines = Files.readAllLines(Path.of(config.logging().metricsFile()));
        JsonNode evaluation = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertEquals(last.windows().accuracy(), evaluation.get("windowAccuracy").asDouble(), 0.0);
        assertEquals(last.report().accuracy(), evaluation.get("accuracy").asDouble(), 0.0);
    }

    private static long support(ClassificationReport report) {
        return report.classes().stream().mapToLong(ClassificationReport.ClassMetrics::support).sum();
    }
}

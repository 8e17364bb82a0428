package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.Map;
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
}

package dev.sparkft.spark.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.DriverModel;
import dev.sparkft.spark.driver.TrainingLoop;
import dev.sparkft.spark.driver.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Configs for trainer tests (through the real loader) and runs on the shared Spark session. */
public final class TestRuns {
    public static final int DIMS = 5;
    public static final int CLASSES = 3;

    private TestRuns() {
    }

    /** A config training {@code test-softmax} on {@code trainPath}, outputs under {@code out}, plus overrides. */
    public static TrainConfig config(String trainPath, Path out, String... overrides) {
        String yaml = String.join("\n",
                "run:",
                "  name: test",
                "  seed: 11",
                "  outputDir: " + out,
                "data:",
                "  train: " + trainPath,
                "  partitions: 2",
                "model:",
                "  engine: test-softmax",
                "  options: {features: " + DIMS + ", classes: " + CLASSES + "}",
                "training:",
                "  globalBatch: 16",
                "  microBatch: 5",
                "  steps: 20",
                "optimizer:",
                "  type: sgd",
                "  learningRate: 0.5",
                "logging:",
                "  everySteps: 5",
                "");
        List<String> all = new ArrayList<>(Arrays.asList(overrides));
        return ConfigLoader.parse(yaml, false, all);
    }

    /** The {@code step} of every round line in a metrics file, in file order (evaluation lines left out). */
    public static List<Long> roundSteps(Path metricsFile) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(metricsFile)) {
            JsonNode n = json.readTree(line);
            if (n.has("loss")) {
                steps.add(n.get("step").asLong());
            }
        }
        return steps;
    }

    /** Resolves the config's model on the driver (as for a run with {@code resume}) and trains. */
    public static TrainingResult train(TrainConfig config, boolean resume) {
        DriverModel model = DriverModel.resolve(config.model(), resume, TestSpark.session().sparkContext()
                .hadoopConfiguration());
        return new TrainingLoop(TestSpark::session, config, model, System.out).run(resume);
    }
}

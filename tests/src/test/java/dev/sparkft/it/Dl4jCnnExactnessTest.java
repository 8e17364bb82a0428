package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Synchronous training of a DL4J CNN on real Fashion-MNIST images is the single-process loop, whatever the
 * partition count: 20 steps on 1, 2 and 4 partitions (micro-batches of 16 of a 64-example global batch)
 * against {@link ReferenceTrainer} (the whole global batch in one forward/backward, no Spark).
 */
class Dl4jCnnExactnessTest {
    private static final int STEPS = 20;

    @TempDir
    static Path dir;
    static Blobs data;
    static float[] reference;

    @BeforeAll
    static void reference() {
        data = FashionSlice.write(TestSpark.session(), dir, 640);
        TrainConfig config = config(1);
        reference = ReferenceTrainer.train(data, config.model(), config.optimizer(), config.run().seed(),
                config.training().globalBatch(), STEPS);
    }

    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 2, 4})
    void syncEqualsSingleProcess(int partitions) {
        TrainingResult result = TestRuns.train(config(partitions), false);
        double diff = ReferenceTrainer.relativeDifference(result.params(), reference);
        System.out.printf("DL4J CNN, %d partitions vs single process after %d steps: relative difference %.2e%n",
                partitions, STEPS, diff);
        assertTrue(diff <= 1e-5, partitions + " partitions: relative difference " + diff);
        assertTrue(result.losses()[STEPS - 1] < result.losses()[0], "the CNN trains: first loss "
                + result.losses()[0] + ", last " + result.losses()[STEPS - 1]);
    }

    private static TrainConfig config(int partitions) {
        return ConfigLoader.parse(FashionSlice.config(data.path(), partitions, STEPS)
                .replace("OUT", dir.resolve("p" + partitions).toString()).replace("MASTER", "local[2]"), false, List.of());
    }
}

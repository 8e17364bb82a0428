package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parameter averaging: K = 1 with SGD is synchronous SGD; K = 4 trains and is deterministic. */
class ParameterAveragingTest {
    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 5, -1);
    }

    @Test
    void oneLocalStepWithSgdEqualsSynchronousSgd() {
        TrainConfig sync = TestRuns.config(data.path(), dir.resolve("sync"));
        TrainConfig averaging = TestRuns.config(data.path(), dir.resolve("avg1"), "training.mode=averaging",
                "training.averaging.localSteps=1", "training.averaging.outer.type=sgd",
                "training.averaging.outer.learningRate=1");
        TrainingResult a = TestRuns.train(sync, false);
        TrainingResult b = TestRuns.train(averaging, false);

        double diff = ReferenceTrainer.relativeDifference(b.params(), a.params());
        System.out.printf("averaging K=1 vs sync SGD: relative difference %.2e%n", diff);
        assertTrue(diff <= 1e-5, "averaging K=1 vs sync: relative difference " + diff);
        assertEquals(20, b.rounds().size());
        for (int i = 0; i < 20; i++) {
            assertEquals(a.losses()[i], b.losses()[i], 1e-5 * Math.abs(a.losses()[i]), "loss at step " + i);
        }
    }

    @Test
    void fourLocalStepsTrainAndRepeatBitForBit() {
        String[] k4 = {"training.mode=averaging", "training.averaging.localSteps=4",
                "training.averaging.outer.type=nesterov", "training.averaging.outer.learningRate=0.7",
                "training.averaging.outer.momentum=0.9", "training.steps=40", "optimizer.learningRate=0.2"};
        TrainingResult first = TestRuns.train(TestRuns.config(data.path(), dir.resolve("avg4-a"), k4), false);
        TrainingResult second = TestRuns.train(TestRuns.config(data.path(), dir.resolve("avg4-b"), k4), false);

        assertEquals(10, first.rounds().size(), "40 steps in rounds of 4");
        for (RoundReport r : first.rounds()) {
            assertEquals(4, r.steps());
            assertEquals(4 * 16, r.examples());
        }
        double[] losses = first.losses();
        assertTrue(losses[losses.length - 1] < 0.5 * losses[0], "loss should drop: " + Arrays.toString(losses));
        assertArrayEquals(first.params(), second.params(), "two runs must give the same parameters bit for bit");
        float[] velocity = first.optimizerState().buffers().get("momentum_buffer");
        assertTrue(velocity != null && velocity.length == first.params().length, "the outer Nesterov's velocity");
        assertArrayEquals(velocity, second.optimizerState().buffers().get("momentum_buffer"));
    }
}

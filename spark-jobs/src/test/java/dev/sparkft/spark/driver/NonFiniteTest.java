package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NaN in the data stops the run at the right step, or is skipped and counted. */
class NonFiniteTest {
    private static final int NAN_ROW = 37;

    @TempDir
    static Path dir;
    static Blobs data;
    static long firstBadStep = -1;
    static int badSteps;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 4, NAN_ROW);
        GlobalBatchPlan plan = new GlobalBatchPlan(11, 100, 16);
        for (long t = 0; t < 20; t++) {
            for (long i : plan.batch(t)) {
                if (i == NAN_ROW) {
                    badSteps++;
                    firstBadStep = firstBadStep < 0 ? t : firstBadStep;
                }
            }
        }
        assertTrue(firstBadStep >= 0 && badSteps >= 2, "the plan must put the NaN row into a few of the 20 steps");
    }

    @Test
    void failsNamingTheStep() {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("fail"));
        NonFiniteStepException e = assertThrows(NonFiniteStepException.class, () -> TestRuns.train(config, false));
        assertEquals(firstBadStep, e.step());
        assertTrue(e.getMessage().startsWith("step " + firstBadStep + ": non-finite"), e.getMessage());
        assertTrue(e.getMessage().contains(data.path()), e.getMessage());
    }

    @Test
    void skipsAndCountsWhenConfigured() {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("skip"), "onNonFinite=skip");
        TrainingResult result = TestRuns.train(config, false);
        assertEquals(20, result.endStep());
        assertEquals(badSteps, result.skippedSteps());
        assertEquals(badSteps, result.rounds().stream().filter(RoundReport::skipped).count());
        assertTrue(result.rounds().get((int) firstBadStep).skipped());
        for (float p : result.params()) {
            assertTrue(Float.isFinite(p));
        }
    }

    @Test
    void averagingSkipsTheWholeRound() {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("skip-avg"), "onNonFinite=skip",
                "training.mode=averaging", "training.averaging.localSteps=4");
        TrainingResult result = TestRuns.train(config, false);
        long badRounds = result.rounds().stream().filter(RoundReport::skipped).count();
        assertTrue(badRounds >= 1);
        assertEquals(4 * badRounds, result.skippedSteps());
        for (float p : result.params()) {
            assertTrue(Float.isFinite(p));
        }
    }
}

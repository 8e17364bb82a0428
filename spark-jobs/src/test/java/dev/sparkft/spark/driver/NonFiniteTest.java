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

    @Test
    void aDivergedRunStopsAfterTooManySkipsInARow() {
        Blobs allNan = Blobs.write(TestSpark.session(), dir, 48, TestRuns.DIMS, TestRuns.CLASSES, 5, Blobs.ALL_NAN);
        TrainConfig config = TestRuns.config(allNan.path(), dir.resolve("diverged"), "onNonFinite=skip",
                "nonFiniteSkips.maxConsecutive=3");
        NonFiniteStepException e = assertThrows(NonFiniteStepException.class, () -> TestRuns.train(config, false));
        assertEquals(3, e.step());
        assertTrue(e.getMessage().startsWith("step 3: 4 non-finite rounds in a row, more than"
                + " nonFiniteSkips.maxConsecutive (3)"), e.getMessage());
    }

    @Test
    void skipsAreLimitedInTotal() {
        TrainConfig config = TestRuns.config(data.path(), dir.resolve("total"), "onNonFinite=skip",
                "nonFiniteSkips.maxTotal=1");
        NonFiniteStepException e = assertThrows(NonFiniteStepException.class, () -> TestRuns.train(config, false));
        assertTrue(e.getMessage().contains(": 2 non-finite rounds skipped in this run, more than"
                + " nonFiniteSkips.maxTotal (1)"), e.getMessage());
    }

    @Test
    void anUpdateThatMakesParametersNonFiniteStopsBeforeAnyCheckpoint() {
        // Finite as a double, infinite as the float the optimizer computes in.
        Blobs clean = Blobs.write(TestSpark.session(), dir, 48, TestRuns.DIMS, TestRuns.CLASSES, 6, -1);
        TrainConfig config = TestRuns.config(clean.path(), dir.resolve("overflow"), "optimizer.learningRate=1e39",
                "checkpoint.everySteps=1");
        NonFiniteStepException e = assertThrows(NonFiniteStepException.class, () -> TestRuns.train(config, false));
        assertEquals(0, e.step());
        assertTrue(e.getMessage().startsWith("step 0: the update made parameters non-finite"), e.getMessage());
        assertTrue(new CheckpointStore(config.checkpoint().dir(), TestSpark.session().sparkContext()
                .hadoopConfiguration(), 3).list().isEmpty(), "a non-finite state must never be checkpointed");
    }
}

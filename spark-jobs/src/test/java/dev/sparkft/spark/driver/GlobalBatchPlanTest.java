package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GlobalBatchPlanTest {

    @Test
    void eachEpochVisitsDistinctExamplesInAFreshOrder() {
        GlobalBatchPlan plan = new GlobalBatchPlan(3, 103, 10);
        assertEquals(10, plan.stepsPerEpoch(), "the last 3 examples of an epoch's order are dropped");
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Long> seen = new HashSet<>();
            for (int s = 0; s < 10; s++) {
                for (long i : plan.batch(epoch * 10L + s)) {
                    assertEquals(true, i >= 0 && i < 103);
                    assertEquals(true, seen.add(i), "example " + i + " twice in epoch " + epoch);
                }
            }
            assertEquals(100, seen.size());
        }
        assertFalse(Arrays.equals(plan.batch(0), plan.batch(10)), "epochs are shuffled differently");
    }

    @Test
    void aPureFunctionOfSeedAndStep() {
        GlobalBatchPlan a = new GlobalBatchPlan(7, 50, 8);
        GlobalBatchPlan b = new GlobalBatchPlan(7, 50, 8);
        long[] late = b.batch(33);   // b jumps ahead first, as a resumed run does
        for (long t = 0; t < 40; t++) {
            long[] x = a.batch(t);
            assertArrayEquals(x, b.batch(t));
            if (t == 33) {
                assertArrayEquals(x, late);
            }
        }
        assertFalse(Arrays.equals(a.batch(0), new GlobalBatchPlan(8, 50, 8).batch(0)), "the seed matters");
    }

    @Test
    void tooSmallDatasetIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GlobalBatchPlan(1, 5, 8));
        assertEquals("the training set has 5 examples, fewer than training.globalBatch (8)", e.getMessage());
    }
}

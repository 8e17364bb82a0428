package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Values at hand-computed steps (lr 0.1, warmup 4, total 12), as Hugging Face's schedules give them. */
class SchedulesTest {
    private static final double TOL = 1e-15;

    @Test
    void linearWarmupThenDecayToZero() {
        LearningRateSchedule s = Schedules.of(new ScheduleConfig("linear", 4, 12, 0.0), 0.1);
        assertEquals(0.0, s.at(0), TOL);
        assertEquals(0.025, s.at(1), TOL);
        assertEquals(0.075, s.at(3), TOL);
        assertEquals(0.1, s.at(4), TOL);
        assertEquals(0.05, s.at(8), TOL);     // (12 - 8) / (12 - 4) = 0.5
        assertEquals(0.0125, s.at(11), TOL);  // 1/8
        assertEquals(0.0, s.at(12), TOL);
        assertEquals(0.0, s.at(50), TOL);
    }

    @Test
    void linearDecayToAFloor() {
        LearningRateSchedule s = Schedules.of(new ScheduleConfig("linear", 4, 12, 0.1), 0.1);
        assertEquals(0.055, s.at(8), TOL);    // 0.1 * (0.1 + 0.9 * 0.5)
        assertEquals(0.01, s.at(12), TOL);
        assertEquals(0.01, s.at(1000), TOL);
    }

    @Test
    void cosineDecay() {
        LearningRateSchedule s = Schedules.of(new ScheduleConfig("cosine", 4, 12, 0.0), 0.1);
        assertEquals(0.05, s.at(2), TOL);
        assertEquals(0.1, s.at(4), TOL);
        assertEquals(0.1 * 0.5 * (1 + Math.sqrt(0.5)), s.at(6), TOL);  // progress 1/4: cos(pi/4)
        assertEquals(0.05, s.at(8), TOL);                               // progress 1/2
        assertEquals(0.0, s.at(12), TOL);
        assertEquals(0.0, s.at(20), TOL, "held at the floor, not rising again as HF's cosine would");
        LearningRateSchedule floored = Schedules.of(new ScheduleConfig("cosine", 4, 12, 0.2), 0.1);
        assertEquals(0.1 * (0.2 + 0.8 * 0.5), floored.at(8), TOL);
        assertEquals(0.02, floored.at(13), TOL);
    }

    @Test
    void constantWithAndWithoutWarmup() {
        assertEquals(0.3, Schedules.of(ScheduleConfig.constant(), 0.3).at(0), TOL);
        assertEquals(0.3, Schedules.of(ScheduleConfig.constant(), 0.3).at(123456), TOL);
        LearningRateSchedule warm = Schedules.of(new ScheduleConfig("constant", 2, 0, 1.0), 0.3);
        assertEquals(0.0, warm.at(0), TOL);
        assertEquals(0.15, warm.at(1), TOL);
        assertEquals(0.3, warm.at(2), TOL);
    }

    @Test
    void noWarmupStartsAtFullRate() {
        LearningRateSchedule s = Schedules.of(new ScheduleConfig("linear", 0, 10, 0.0), 1.0);
        assertEquals(1.0, s.at(0), TOL);
        assertEquals(0.9, s.at(1), TOL);
    }

    @Test
    void rejectsNegativeStepAndBadConfig() {
        LearningRateSchedule s = Schedules.of(new ScheduleConfig("linear", 1, 10, 0.0), 0.1);
        assertThrows(IllegalArgumentException.class, () -> s.at(-1));
        assertThrows(IllegalArgumentException.class, () -> new ScheduleConfig("cosine", 10, 10, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new ScheduleConfig("step", 0, 10, 0.0));
    }
}

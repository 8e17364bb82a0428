package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.DoubleFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NaN and +-Infinity are refused naming the key. Without the finiteness check, Infinity passes the one-sided
 * checks (epsilon > 0, weightDecay >= 0), NaN passes finalFraction's range check, and the rest are reported
 * as out of range although the range is not the problem.
 */
class OptimizerConfigTest {

    private static final ScheduleConfig SCHEDULE = new ScheduleConfig("linear", 2, 10, 0.1);

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void nonFiniteHyperparametersAreRefusedNamingTheKey(double bad) {
        assertRefused("optimizer.learningRate", bad, x -> new OptimizerConfig("adamw", x, 0.9, 0.9, 0.999, 1e-8, 0.01, SCHEDULE));
        assertRefused("optimizer.momentum", bad, x -> new OptimizerConfig("momentum", 0.1, x, 0.9, 0.999, 1e-8, 0, SCHEDULE));
        assertRefused("optimizer.beta1", bad, x -> new OptimizerConfig("adam", 0.1, 0, x, 0.999, 1e-8, 0, SCHEDULE));
        assertRefused("optimizer.beta2", bad, x -> new OptimizerConfig("adam", 0.1, 0, 0.9, x, 1e-8, 0, SCHEDULE));
        assertRefused("optimizer.epsilon", bad, x -> new OptimizerConfig("adam", 0.1, 0, 0.9, 0.999, x, 0, SCHEDULE));
        assertRefused("optimizer.weightDecay", bad, x -> new OptimizerConfig("adamw", 0.1, 0, 0.9, 0.999, 1e-8, x, SCHEDULE));
        assertRefused("optimizer.schedule.finalFraction", bad, x -> new ScheduleConfig("cosine", 0, 10, x));
        assertRefused("optimizer.learningRate", bad, x -> Schedules.of(SCHEDULE, x));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.5, 1.0})
    void finiteValuesOutOfRangeKeepTheirRangeMessage(double bad) {
        assertEquals("optimizer.momentum must be in [0, 1), got " + bad, assertThrows(IllegalArgumentException.class,
                () -> new OptimizerConfig("momentum", 0.1, bad, 0.9, 0.999, 1e-8, 0, SCHEDULE)).getMessage());
    }

    private static void assertRefused(String key, double bad, DoubleFunction<?> build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> build.apply(bad),
                key + " = " + bad + " was accepted");
        assertEquals(key + " must be a finite number, got " + bad, e.getMessage());
    }
}

package dev.sparkft.optim;

import java.io.Serializable;

/**
 * Learning-rate schedule ({@code optimizer.schedule:}): {@code constant}, or {@code linear} / {@code cosine}:
 * linear warmup from 0 over {@code warmupSteps}, then decay to {@code finalFraction * lr} at
 * {@code totalSteps} (held there afterwards).
 */
public record ScheduleConfig(String type, long warmupSteps, long totalSteps, double finalFraction)
        implements Serializable {

    public static final java.util.List<String> TYPES = java.util.List.of("constant", "linear", "cosine");

    public ScheduleConfig {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("optimizer.schedule.type must be one of " + TYPES + ", got '" + type + "'");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("optimizer.schedule.warmupSteps must be >= 0, got " + warmupSteps);
        }
        if (!type.equals("constant") && totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("optimizer.schedule.totalSteps (" + totalSteps
                    + ") must exceed warmupSteps (" + warmupSteps + ") for a " + type + " schedule");
        }
        // NaN would pass the range check below (every comparison with it is false).
        OptimizerConfig.requireFinite("optimizer.schedule.finalFraction", finalFraction);
        if (finalFraction < 0 || finalFraction > 1) {
            throw new IllegalArgumentException("optimizer.schedule.finalFraction must be in [0, 1], got " + finalFraction);
        }
    }

    public static ScheduleConfig constant() {
        return new ScheduleConfig("constant", 0, 0, 1.0);
    }
}

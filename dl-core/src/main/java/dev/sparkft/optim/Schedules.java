package dev.sparkft.optim;

/**
 * Learning-rate schedules as pure functions of the 0-based optimizer step, with Hugging Face's semantics
 * ({@code get_constant_schedule_with_warmup}, {@code get_linear_schedule_with_warmup},
 * {@code get_cosine_schedule_with_warmup}):
 * <ul>
 *   <li>warmup: {@code lr * step / warmupSteps} for {@code step < warmupSteps}, so update 0 uses lr 0 exactly
 *       as a Hugging Face run does (its moments still advance);</li>
 *   <li>then {@code constant}: {@code lr}; {@code linear}: from {@code lr} down to {@code finalFraction*lr}
 *       at {@code totalSteps}; {@code cosine}: half a cosine wave between the same two values;</li>
 *   <li>from {@code totalSteps} on the rate is held at {@code finalFraction*lr} (Hugging Face's cosine would
 *       rise again and its linear stays at 0). With {@code finalFraction = 0} the values equal Hugging Face's.</li>
 * </ul>
 */
public final class Schedules {
    private Schedules() {
    }

    public static LearningRateSchedule of(ScheduleConfig config, double baseLr) {
        OptimizerConfig.requireFinite("optimizer.learningRate", baseLr);
        if (!(baseLr > 0)) {
            throw new IllegalArgumentException("optimizer.learningRate must be > 0, got " + baseLr);
        }
        long warmup = config.warmupSteps();
        long decaySteps = config.totalSteps() - warmup;
        double floor = config.finalFraction();
        String type = config.type();
        return step -> {
            if (step < 0) {
                throw new IllegalArgumentException("learning rate asked for a negative step " + step);
            }
            if (step < warmup) {
                return baseLr * step / warmup;
            }
            if (type.equals("constant")) {
                return baseLr;
            }
            double progress = Math.min(1.0, (double) (step - warmup) / decaySteps);
            double shape = type.equals("linear") ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
            return baseLr * (floor + (1 - floor) * shape);
        };
    }
}

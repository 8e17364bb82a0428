package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the driver-side optimizer named by an {@link OptimizerConfig} for a model's parameter layout. */
public final class Optimizers {
    private static final Logger LOG = LoggerFactory.getLogger(Optimizers.class);

    private Optimizers() {
    }

    public static Optimizer create(OptimizerConfig config, ParameterLayout layout) {
        LearningRateSchedule schedule = Schedules.of(config.schedule(), config.learningRate());
        if (config.weightDecay() > 0 && !config.type().equals("adamw")) {
            LOG.warn("optimizer.weightDecay={} is ignored by '{}': only adamw applies (decoupled) weight decay",
                    config.weightDecay(), config.type());
        }
        return switch (config.type()) {
            case "sgd" -> new SgdOptimizer(layout, schedule);
            case "momentum" -> new MomentumOptimizer(layout, schedule, config.momentum(), false);
            case "nesterov" -> new MomentumOptimizer(layout, schedule, config.momentum(), true);
            case "adam" -> new AdamOptimizer("adam", layout, schedule,
                    config.beta1(), config.beta2(), config.epsilon(), 0);
            case "adamw" -> new AdamOptimizer("adamw", layout, schedule,
                    config.beta1(), config.beta2(), config.epsilon(), config.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer.type '" + config.type() + "'");
        };
    }
}

package dev.sparkft.spark.executor;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.optim.LearningRateSchedule;
import dev.sparkft.optim.Optimizer;
import dev.sparkft.optim.OptimizerConfig;
import java.io.Serializable;

/**
 * Builds optimizers from config, on the driver (the step's optimizer, the outer optimizer of averaging)
 * and on executors (the inner optimizer of averaging's local steps), hence Serializable.
 */
public interface OptimizerFactory extends Serializable {

    Optimizer create(OptimizerConfig config, ParameterLayout layout);

    /** The learning rate {@code config} gives at each step (reported in progress and metrics). */
    LearningRateSchedule schedule(OptimizerConfig config);
}

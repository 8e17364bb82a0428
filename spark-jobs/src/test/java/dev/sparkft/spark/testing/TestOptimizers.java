package dev.sparkft.spark.testing;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.optim.LearningRateSchedule;
import dev.sparkft.optim.Optimizer;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.spark.executor.OptimizerFactory;

/** Builds {@link TestSgd} optimizers. */
public final class TestOptimizers implements OptimizerFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public Optimizer create(OptimizerConfig config, ParameterLayout layout) {
        return new TestSgd(config, layout.size());
    }

    @Override
    public LearningRateSchedule schedule(OptimizerConfig config) {
        double lr = config.learningRate();
        return step -> lr;
    }
}

package dev.sparkft.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A driver-side optimizer over the flat parameter vector (ND4J arrays, updated in place). The learning
 * rate at each step comes from a {@link LearningRateSchedule}, a pure function of the step, so a resumed
 * run continues exactly. Decay and freezing follow the model's {@link dev.sparkft.model.ParameterLayout};
 * parameter groups ({@link ParameterGroup}) have their own learning rate and may be frozen for their first steps.
 */
public interface Optimizer {

    /** Type name as in configs: sgd, momentum, nesterov, adam, adamw. */
    String name();

    /**
     * Applies update number {@link #stepCount()} in place to {@code params}, given the step's mean
     * gradient (already clipped); frozen segments and groups are left untouched, the gradient is not modified.
     * Both are contiguous FLOAT vectors of the layout's length (views of larger arrays are fine).
     * Increments the step count.
     */
    void step(INDArray params, INDArray gradient);

    /**
     * Sets to zero, in place, the gradient of the parameters the next {@link #step} leaves untouched (the
     * layout's frozen segments, and groups within their first {@code frozenSteps}), so that they do not count in
     * gradient clipping's global norm, as in PyTorch, where such parameters have no gradient. Call before
     * clipping; other parameters are unchanged.
     */
    void zeroFrozenGradient(INDArray gradient);

    /**
     * Applies the layout's statistic segments ({@link dev.sparkft.model.ParameterSegment#statistic()}): {@code p -= g}
     * exactly there, then zeroes their gradient so that clipping and the update leave them alone.
     */
    void applyStatistics(INDArray params, INDArray gradient);

    /** Number of updates applied so far (the next update uses the schedule's value at this step). */
    long stepCount();

    /** Everything needed to continue exactly: step count and moment buffers (copies). */
    OptimizerState state();

    /** Restores a state taken from an optimizer of the same type and parameter count; fails otherwise. */
    void restore(OptimizerState state);
}

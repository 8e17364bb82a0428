package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Common bookkeeping of the driver-side optimizers: argument checks, the step count and schedule, and
 * named state buffers (full-length FLOAT vectors allocated once) with export and exact restore.
 * Subclasses only say how one update changes the trainable runs.
 */
abstract class FlatOptimizer implements Optimizer {
    private final String name;
    private final LearningRateSchedule schedule;
    private final Map<String, INDArray> buffers = new LinkedHashMap<>();
    final ParameterRanges ranges;
    private long step;

    FlatOptimizer(String name, ParameterLayout layout, LearningRateSchedule schedule) {
        this.name = name;
        this.schedule = schedule;
        this.ranges = new ParameterRanges(layout);
    }

    /** Registers a state buffer (zeros, one per parameter) exported under {@code key}. */
    final INDArray stateBuffer(String key) {
        INDArray b = Nd4j.zeros(DataType.FLOAT, ranges.size());
        buffers.put(key, b);
        return b;
    }

    /** Applies update {@code step} (0-based) with learning rate {@code lr} in place to the trainable runs. */
    abstract void update(INDArray params, INDArray gradient, double lr, long step);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void step(INDArray params, INDArray gradient) {
        ranges.check("parameters", params);
        ranges.check("gradient", gradient);
        update(params, gradient, schedule.at(step), step);
        step++;
    }

    @Override
    public final long stepCount() {
        return step;
    }

    @Override
    public final OptimizerState state() {
        Map<String, float[]> copies = new LinkedHashMap<>();
        buffers.forEach((k, b) -> copies.put(k, HostCopies.toArray(b)));
        return new OptimizerState(name, step, copies);
    }

    @Override
    public final void restore(OptimizerState state) {
        if (!name.equals(state.optimizer())) {
            throw new IllegalArgumentException("optimizer state is for '" + state.optimizer()
                    + "', this optimizer is '" + name + "': resume with the optimizer the checkpoint was written by");
        }
        if (state.step() < 0) {
            throw new IllegalArgumentException("optimizer state has a negative step count " + state.step());
        }
        if (!state.buffers().keySet().equals(buffers.keySet())) {
            throw new IllegalArgumentException("optimizer state for '" + name + "' has buffers "
                    + state.buffers().keySet() + ", expected " + buffers.keySet());
        }
        for (Map.Entry<String, float[]> e : state.buffers().entrySet()) {
            if (e.getValue().length != ranges.size()) {
                throw new IllegalArgumentException("optimizer state buffer '" + e.getKey() + "' has "
                        + e.getValue().length + " values, the model has " + ranges.size()
                        + " parameters: the checkpoint belongs to another model");
            }
        }
        state.buffers().forEach((k, v) -> HostCopies.copy(v, buffers.get(k)));
        step = state.step();
    }
}

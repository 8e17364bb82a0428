package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Common bookkeeping of the driver-side optimizers: argument checks, the step count and schedule, and
 * named state buffers (full-length FLOAT vectors allocated once) with export and exact restore, and the
 * parameter groups' learning rates and freezing at each step. Subclasses only say how one update changes the
 * trainable runs of the active groups.
 *
 * <p>A group frozen for its first N updates is skipped entirely at steps below N: its parameters and state
 * are not read or written, as a PyTorch parameter with {@code requires_grad=False} (no gradient, so no
 * update and no state). From step N it trains, and its own update count (for Adam's bias correction, which
 * PyTorch keeps per parameter) starts at 1.
 */
abstract class FlatOptimizer implements Optimizer {
    private final String name;
    private final Map<String, INDArray> buffers = new LinkedHashMap<>();
    final ParameterRanges ranges;
    /** Segments the model updates itself (batch-norm running statistics): applied as {@code p -= g}. */
    private final List<ParameterSegment> statistics;
    /** Per group (0: parameters in no group): its schedule (the run's shape at its own rate) and frozen steps. */
    private final LearningRateSchedule[] schedules;
    private final long[] frozenSteps;
    private long step;

    FlatOptimizer(String name, ParameterLayout layout, OptimizerConfig config) {
        this.name = name;
        List<ParameterGroup> groups = config.parameterGroups();
        this.ranges = new ParameterRanges(layout, groups);
        this.statistics = layout.segments().stream().filter(ParameterSegment::statistic).toList();
        this.schedules = new LearningRateSchedule[groups.size() + 1];
        this.frozenSteps = new long[groups.size() + 1];
        // Each group's own schedule rather than the base value times a ratio: lr_g * shape(step), the same
        // product PyTorch's LambdaLR forms for each param group.
        schedules[0] = Schedules.of(config.schedule(), config.learningRate());
        for (int g = 0; g < groups.size(); g++) {
            schedules[g + 1] = Schedules.of(config.schedule(), groups.get(g).learningRate());
            frozenSteps[g + 1] = groups.get(g).frozenSteps();
        }
    }

    /** Registers a state buffer (zeros, one per parameter) exported under {@code key}. */
    final INDArray stateBuffer(String key) {
        INDArray b = Nd4j.zeros(DataType.FLOAT, ranges.size());
        buffers.put(key, b);
        return b;
    }

    /**
     * Applies one update in place to the trainable runs of the active groups. Per group g: {@code lr[g]} its
     * learning rate at this step; {@code count[g]} how many updates the group has had including this one
     * (1 at its first), 0 while it is frozen (its runs must not be touched).
     */
    abstract void update(INDArray params, INDArray gradient, double[] lr, long[] count);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void step(INDArray params, INDArray gradient) {
        ranges.check("parameters", params);
        ranges.check("gradient", gradient);
        double[] lr = new double[schedules.length];
        long[] count = new long[schedules.length];
        for (int g = 0; g < lr.length; g++) {
            lr[g] = schedules[g].at(step);
            count[g] = step < frozenSteps[g] ? 0 : step - frozenSteps[g] + 1;
        }
        update(params, gradient, lr, count);
        step++;
    }

    /**
     * Zeroes the gradient of the layout's frozen segments and of the groups that the next step leaves frozen.
     * Neither is applied, so neither may count in the global norm that clipping scales by: PyTorch's
     * {@code clip_grad_norm_} skips parameters without a gradient, which is what {@code requires_grad=False}
     * gives. (The engines already return zeros for the layout's frozen segments; this makes it hold for any.)
     */
    @Override
    public final void applyStatistics(INDArray params, INDArray gradient) {
        if (statistics.isEmpty()) {
            return;
        }
        ranges.check("parameters", params);
        ranges.check("gradient", gradient);
        INDArray p = params.reshape(params.length());
        INDArray g = gradient.reshape(gradient.length());
        for (ParameterSegment s : statistics) {
            INDArrayIndex range = NDArrayIndex.interval(s.offset(), s.end());
            p.get(range).subi(g.get(range));
            g.get(range).assign(0);
        }
    }

    @Override
    public final void zeroFrozenGradient(INDArray gradient) {
        ranges.check("gradient", gradient);
        INDArray vector = gradient.reshape(gradient.length());
        for (ParameterRanges.Run r : ranges.frozenRuns()) {
            vector.get(NDArrayIndex.interval(r.start(), r.end())).assign(0);
        }
        for (ParameterRanges.Run r : ranges.trainableRuns()) {
            if (step < frozenSteps[r.group()]) {
                vector.get(NDArrayIndex.interval(r.start(), r.end())).assign(0);
            }
        }
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

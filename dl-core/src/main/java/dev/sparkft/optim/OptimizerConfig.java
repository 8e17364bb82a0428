package dev.sparkft.optim;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Optimizer settings as in the run config ({@code optimizer:} section). {@code type} is one of sgd,
 * momentum, nesterov, adam, adamw; fields that a type does not use are ignored by it but still validated.
 * Weight decay is decoupled and used by adamw only (the others log a warning when it is set); it applies
 * only where the parameter layout says {@code decay} (never biases or LayerNorm). Built by
 * {@link Optimizers#create}; the learning rate follows {@link Schedules#of}. {@code parameterGroups} (possibly
 * empty, never null) give chosen parameters their own learning rate and a number of frozen first steps; parameters
 * in no group use {@code learningRate}. Group names are unique.
 */
public record OptimizerConfig(
        String type,
        double learningRate,
        double momentum,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        ScheduleConfig schedule,
        List<ParameterGroup> parameterGroups) implements Serializable {

    public static final List<String> TYPES = List.of("sgd", "momentum", "nesterov", "adam", "adamw");

    public OptimizerConfig {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("optimizer.type must be one of " + TYPES + ", got '" + type + "'");
        }
        // Finite first: NaN fails every comparison below and Infinity passes the one-sided ones, so a range
        // check alone would let them through or report them as out of range.
        requireFinite("optimizer.learningRate", learningRate);
        requireFinite("optimizer.momentum", momentum);
        requireFinite("optimizer.beta1", beta1);
        requireFinite("optimizer.beta2", beta2);
        requireFinite("optimizer.epsilon", epsilon);
        requireFinite("optimizer.weightDecay", weightDecay);
        check(learningRate > 0, "optimizer.learningRate must be > 0, got " + learningRate);
        check(momentum >= 0 && momentum < 1, "optimizer.momentum must be in [0, 1), got " + momentum);
        check(beta1 >= 0 && beta1 < 1, "optimizer.beta1 must be in [0, 1), got " + beta1);
        check(beta2 >= 0 && beta2 < 1, "optimizer.beta2 must be in [0, 1), got " + beta2);
        check(epsilon > 0, "optimizer.epsilon must be > 0, got " + epsilon);
        check(weightDecay >= 0, "optimizer.weightDecay must be >= 0, got " + weightDecay);
        if (schedule == null) {
            schedule = ScheduleConfig.constant();
        }
        parameterGroups = parameterGroups == null ? List.of() : List.copyOf(parameterGroups);
        Set<String> names = new HashSet<>();
        for (ParameterGroup g : parameterGroups) {
            check(names.add(g.name()), "optimizer.parameterGroups: two groups are named '" + g.name()
                    + "'; give each group its own name");
        }
    }

    /** Without parameter groups: every trainable parameter uses {@code learningRate}. */
    public OptimizerConfig(String type, double learningRate, double momentum, double beta1, double beta2,
            double epsilon, double weightDecay, ScheduleConfig schedule) {
        this(type, learningRate, momentum, beta1, beta2, epsilon, weightDecay, schedule, List.of());
    }

    /** A copy with these parameter groups instead of this config's. */
    public OptimizerConfig withParameterGroups(List<ParameterGroup> groups) {
        return new OptimizerConfig(type, learningRate, momentum, beta1, beta2, epsilon, weightDecay, schedule, groups);
    }

    /** AdamW with the usual BERT fine-tuning defaults (betas 0.9/0.999, eps 1e-8, as PyTorch). */
    public static OptimizerConfig adamW(double lr, double weightDecay, ScheduleConfig schedule) {
        return new OptimizerConfig("adamw", lr, 0.0, 0.9, 0.999, 1e-8, weightDecay, schedule);
    }

    public static OptimizerConfig sgd(double lr) {
        return new OptimizerConfig("sgd", lr, 0.0, 0.9, 0.999, 1e-8, 0.0, ScheduleConfig.constant());
    }

    /** Fails naming {@code key} unless {@code value} is a finite number (not NaN, not +-Infinity). */
    static void requireFinite(String key, double value) {
        check(Double.isFinite(value), key + " must be a finite number, got " + value);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}

package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the driver-side optimizer named by an {@link OptimizerConfig} for a model's parameter layout. */
public final class Optimizers {
    private static final Logger LOG = LoggerFactory.getLogger(Optimizers.class);

    private Optimizers() {
    }

    public static Optimizer create(OptimizerConfig config, ParameterLayout layout) {
        if (config.weightDecay() > 0 && !config.type().equals("adamw")) {
            LOG.warn("optimizer.weightDecay={} is ignored by '{}': only adamw applies (decoupled) weight decay",
                    config.weightDecay(), config.type());
        }
        return switch (config.type()) {
            case "sgd" -> new SgdOptimizer(layout, config);
            case "momentum" -> new MomentumOptimizer(layout, config, config.momentum(), false);
            case "nesterov" -> new MomentumOptimizer(layout, config, config.momentum(), true);
            case "adam" -> new AdamOptimizer("adam", layout, config,
                    config.beta1(), config.beta2(), config.epsilon(), 0);
            case "adamw" -> new AdamOptimizer("adamw", layout, config,
                    config.beta1(), config.beta2(), config.epsilon(), config.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer.type '" + config.type() + "'");
        };
    }

    /**
     * Checks {@code config}'s parameter groups against {@code layout} as {@link #create} does (every group
     * matches a parameter, no parameter is in two groups; the message names both) and describes each group in
     * one line for the run's log. For the driver when it builds no optimizer of that config itself (parameter
     * averaging, whose inner optimizer runs on the executors).
     */
    public static List<String> describeGroups(OptimizerConfig config, ParameterLayout layout) {
        List<ParameterGroup> groups = config.parameterGroups();
        int[] group = ParameterRanges.assign(layout, groups);
        List<String> out = new ArrayList<>();
        for (int g = 0; g <= groups.size(); g++) {
            int tensors = 0;
            long trainable = 0;
            long frozen = 0;
            long statistics = 0;
            for (int s = 0; s < group.length; s++) {
                if (group[s] == g) {
                    ParameterSegment segment = layout.segments().get(s);
                    tensors++;
                    // batch statistics (running mean/var) are not trained but do change: not "frozen"
                    if (segment.trainable()) {
                        trainable += segment.length();
                    } else if (segment.statistic()) {
                        statistics += segment.length();
                    } else {
                        frozen += segment.length();
                    }
                }
            }
            if (g == 0 && groups.isEmpty()) {
                break;
            }
            String rest = tensors + " tensors, " + trainable + " trainable parameters"
                    + (frozen > 0 ? " (+" + frozen + " frozen by the model)" : "")
                    + (statistics > 0 ? " (+" + statistics + " statistics updated from the data)" : "");
            if (g == 0) {
                out.add("parameters in no group: " + rest + ", learning rate " + config.learningRate());
            } else {
                ParameterGroup pg = groups.get(g - 1);
                out.add("parameter group '" + pg.name() + "': " + rest + ", learning rate " + pg.learningRate()
                        + (pg.frozenSteps() > 0 ? ", frozen for the first " + pg.frozenSteps() + " steps" : ""));
            }
        }
        return out;
    }
}

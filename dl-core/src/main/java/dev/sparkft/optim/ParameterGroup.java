package dev.sparkft.optim;

import java.io.Serializable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One parameter group of the driver-side optimizer ({@code optimizer.parameterGroups:} in the run config): the
 * layout segments whose name contains a match of the regular expression {@code parameters} (searched, as Python's
 * {@code re.search}; anchor with {@code ^}/{@code $}) train with {@code learningRate} instead of the optimizer's
 * (the run's schedule scaled by {@code learningRate / optimizer.learningRate}, so warmup and decay keep their
 * shape), and are left untouched, parameters and optimizer state alike, for the first {@code frozenSteps} updates,
 * as PyTorch does with {@code requires_grad=False} for those steps.
 */
public record ParameterGroup(String name, String parameters, double learningRate, long frozenSteps)
        implements Serializable {

    public ParameterGroup {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("every entry of optimizer.parameterGroups needs a name");
        }
        String key = "optimizer.parameterGroups[" + name + "].";
        if (parameters == null) {
            throw new IllegalArgumentException(key + "parameters is missing: give a regular expression over the"
                    + " model's parameter names");
        }
        try {
            Pattern.compile(parameters);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(key + "parameters \"" + parameters + "\" is not a valid regular"
                    + " expression: " + e.getDescription() + " near index " + e.getIndex(), e);
        }
        OptimizerConfig.requireFinite(key + "learningRate", learningRate);
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException(key + "learningRate must be > 0, got " + learningRate);
        }
        if (frozenSteps < 0) {
            throw new IllegalArgumentException(key + "frozenSteps must be >= 0, got " + frozenSteps);
        }
    }

    /** The compiled regular expression (searched in each parameter name, not matched against all of it). */
    public Pattern pattern() {
        return Pattern.compile(parameters);
    }
}

package dev.sparkft.model;

import java.util.function.Supplier;

/**
 * A model spec as the driver resolved it ({@link ModelEngine#resolve}): the path-free architecture executors
 * build from, and a reader of the starting parameters in that architecture's layout. Driver-side only.
 */
public final class ResolvedModel {
    private final ModelArchitecture architecture;
    private final Supplier<float[]> initialParameters;

    /** @param initialParameters reads the starting weights (pretrained or seeded) as the flat vector */
    public ResolvedModel(ModelArchitecture architecture, Supplier<float[]> initialParameters) {
        if (architecture == null || initialParameters == null) {
            throw new IllegalArgumentException("a resolved model needs an architecture and its initial parameters");
        }
        this.architecture = architecture;
        this.initialParameters = initialParameters;
    }

    public ModelArchitecture architecture() {
        return architecture;
    }

    /**
     * The starting point of training: pretrained weights or a seeded initialisation, a fresh array. May read the
     * weights again on every call, so a caller asks once (and drops this object); a resumed run never asks.
     */
    public float[] initialParameters() {
        return initialParameters.get();
    }
}

package dev.sparkft.model;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds engines by name through {@link ServiceLoader}. */
public final class ModelEngines {
    private ModelEngines() {
    }

    public static ModelEngine find(String name) {
        List<String> names = new ArrayList<>();
        for (ModelEngine e : ServiceLoader.load(ModelEngine.class, ModelEngines.class.getClassLoader())) {
            if (e.name().equals(name)) {
                return e;
            }
            names.add(e.name());
        }
        throw new IllegalArgumentException("unknown model.engine '" + name + "'; available: " + names);
    }

    /** Driver side, plain local paths: see {@link ModelEngine#resolve(ModelSpec, ModelFiles)}. */
    public static ResolvedModel resolve(ModelSpec spec) {
        return find(spec.engine()).resolve(spec, ModelFiles.LOCAL);
    }

    public static ResolvedModel resolve(ModelSpec spec, ModelFiles files) {
        return find(spec.engine()).resolve(spec, files);
    }

    /** Builds the model on the CPU, its frozen parameters (if any) loaded. */
    public static TrainableModel create(ModelArchitecture architecture) {
        return withFrozen(find(architecture.engine()).create(architecture), architecture);
    }

    /** Builds the model on {@code device}, its frozen parameters (if any) loaded. */
    public static TrainableModel create(ModelArchitecture architecture, ComputeDevice device) {
        return withFrozen(find(architecture.engine()).create(architecture, device), architecture);
    }

    private static TrainableModel withFrozen(TrainableModel model, ModelArchitecture architecture) {
        if (architecture.frozen() != null) {
            try {
                model.setFrozenParameters(architecture.frozen().values());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
        return model;
    }
}

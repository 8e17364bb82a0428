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

    public static TrainableModel create(ModelSpec spec) {
        return find(spec.engine()).create(spec);
    }

    public static TrainableModel create(ModelSpec spec, ComputeDevice device) {
        return find(spec.engine()).create(spec, device);
    }
}

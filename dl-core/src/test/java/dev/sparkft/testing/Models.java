package dev.sparkft.testing;

import dev.sparkft.model.ComputeDevice;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;

/** A spec resolved on local paths (the driver's part) and built from its architecture (an executor's part). */
public final class Models {
    private Models() {
    }

    /** A model built from the spec's resolved architecture, holding no parameters yet. */
    public static TrainableModel create(ModelSpec spec) {
        return ModelEngines.create(ModelEngines.resolve(spec).architecture());
    }

    public static TrainableModel create(ModelSpec spec, ComputeDevice device) {
        return ModelEngines.create(ModelEngines.resolve(spec).architecture(), device);
    }

    /** The spec's starting parameters, as the driver reads them. */
    public static float[] initial(ModelSpec spec) {
        return ModelEngines.resolve(spec).initialParameters();
    }
}

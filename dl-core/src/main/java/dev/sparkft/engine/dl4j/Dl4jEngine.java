package dev.sparkft.engine.dl4j;

import dev.sparkft.model.ModelEngine;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;

/** The {@code dl4j} engine: MLPs and small CNNs on DL4J/ND4J (executor side). */
public final class Dl4jEngine implements ModelEngine {
    public static final String NAME = "dl4j";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TrainableModel create(ModelSpec spec) {
        if (!NAME.equals(spec.engine())) {
            throw new IllegalArgumentException("spec for engine '" + spec.engine() + "' given to engine '" + NAME + "'");
        }
        Dl4jNetworkConfig config = Dl4jNetworkConfig.parse(spec.options());
        return new Dl4jNetworkModel(Dl4jNetworks.build(config), config);
    }
}

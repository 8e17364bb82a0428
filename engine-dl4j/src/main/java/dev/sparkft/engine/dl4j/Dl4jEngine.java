package dev.sparkft.engine.dl4j;

import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngine;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.TrainableModel;

/** The {@code dl4j} engine: MLPs and small CNNs on DL4J/ND4J (executor side). */
public final class Dl4jEngine implements ModelEngine {
    public static final String NAME = "dl4j";

    @Override
    public String name() {
        return NAME;
    }

    /** The options parsed; the starting parameters are the seeded network's own (no file is read). */
    @Override
    public ResolvedModel resolve(ModelSpec spec, ModelFiles files) {
        requireOwn(spec.engine());
        ModelArchitecture architecture = new ModelArchitecture(NAME, Dl4jNetworkConfig.parse(spec.options()));
        return new ResolvedModel(architecture, () -> {
            try (Dl4jNetworkModel model = build(architecture)) {
                return model.initialParameters();
            }
        });
    }

    @Override
    public TrainableModel create(ModelArchitecture architecture) {
        return build(architecture);
    }

    private static Dl4jNetworkModel build(ModelArchitecture architecture) {
        requireOwn(architecture.engine());
        Dl4jNetworkConfig config = architecture.details(Dl4jNetworkConfig.class);
        return new Dl4jNetworkModel(Dl4jNetworks.build(config), config);
    }

    private static void requireOwn(String engine) {
        if (!NAME.equals(engine)) {
            throw new IllegalArgumentException("model for engine '" + engine + "' given to engine '" + NAME + "'");
        }
    }
}

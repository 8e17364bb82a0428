package dev.sparkft.model;

import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * A deep-learning engine behind the model seam, found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.sparkft.model.ModelEngine} file in the engine's package) and chosen by
 * {@link #name()} from the run's config. Core code never imports an engine.
 */
public interface ModelEngine {

    /** The name used in configs, e.g. {@code dl4j} or {@code djl-pytorch}. */
    String name();

    /** Builds a model on the CPU; fails with a message naming the bad option when the spec is invalid. */
    TrainableModel create(ModelSpec spec);

    /**
     * Builds a model on {@code device}. An engine that cannot use a GPU here computes on the CPU and says so
     * in its log (the run still works, only slower); this default is such an engine.
     */
    default TrainableModel create(ModelSpec spec, ComputeDevice device) {
        if (device.isGpu()) {
            LoggerFactory.getLogger(ModelEngine.class).warn("engine {} computes on the CPU; the {} assigned"
                    + " to this task is not used", name(), device);
        }
        return create(spec);
    }

    /**
     * The number of values in the flat parameter vector of {@code spec}'s model, for sizing memory before
     * anything runs. This default builds the model; an engine that can count without building should.
     */
    default long parameterCount(ModelSpec spec) {
        try (TrainableModel model = create(spec)) {
            return model.layout().size();
        }
    }

    /** How this engine's trained models are exported; empty when it has no export format. */
    default Optional<ModelExporter> exporter() {
        return Optional.empty();
    }
}

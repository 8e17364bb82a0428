package dev.sparkft.model;

import java.util.Optional;

/**
 * A deep-learning engine behind the model seam, found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.sparkft.model.ModelEngine} file in the engine's package) and chosen by
 * {@link #name()} from the run's config. Core code never imports an engine.
 */
public interface ModelEngine {

    /** The name used in configs, e.g. {@code dl4j} or {@code djl-pytorch}. */
    String name();

    /** Builds a model; fails with a message naming the bad option when the spec is invalid. */
    TrainableModel create(ModelSpec spec);

    /** How this engine's trained models are exported; empty when it has no export format. */
    default Optional<ModelExporter> exporter() {
        return Optional.empty();
    }
}

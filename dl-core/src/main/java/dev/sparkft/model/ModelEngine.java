package dev.sparkft.model;

import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * A deep-learning engine behind the model seam, found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.sparkft.model.ModelEngine} file in the engine's package) and chosen by
 * {@link #name()} from the run's config. Core code never imports an engine.
 *
 * <p>Two sides: the driver {@linkplain #resolve resolves} the user's {@link ModelSpec} once (options parsed,
 * configs and weights read); executors {@linkplain #create build} models from the resulting path-free
 * {@link ModelArchitecture} and never open a file.
 */
public interface ModelEngine {

    /** The name used in configs, e.g. {@code dl4j} or {@code djl-pytorch}. */
    String name();

    /**
     * Driver side: parses the spec's options strictly (failing with a message naming the bad option), reads the
     * files they name through {@code files} (a missing one fails naming the option and the path), and returns
     * the path-free architecture and a reader of the starting parameters.
     */
    ResolvedModel resolve(ModelSpec spec, ModelFiles files);

    /** {@link #resolve(ModelSpec, ModelFiles)} with plain local paths. */
    default ResolvedModel resolve(ModelSpec spec) {
        return resolve(spec, ModelFiles.LOCAL);
    }

    /** Executor side: builds a model on the CPU from an architecture this engine resolved. */
    TrainableModel create(ModelArchitecture architecture);

    /**
     * Builds a model on {@code device}. An engine that cannot use a GPU here computes on the CPU and says so
     * in its log (the run still works, only slower); this default is such an engine.
     */
    default TrainableModel create(ModelArchitecture architecture, ComputeDevice device) {
        if (device.isGpu()) {
            LoggerFactory.getLogger(ModelEngine.class).warn("engine {} computes on the CPU; the {} assigned"
                    + " to this task is not used", name(), device);
        }
        return create(architecture);
    }

    /**
     * The number of values in the flat parameter vector of the architecture's model, for sizing memory before
     * anything runs. This default builds the model; an engine that can count without building should.
     */
    default long parameterCount(ModelArchitecture architecture) {
        try (TrainableModel model = create(architecture)) {
            return model.layout().size();
        }
    }

    /** How this engine's trained models are exported; empty when it has no export format. */
    default Optional<ModelExporter> exporter() {
        return Optional.empty();
    }
}

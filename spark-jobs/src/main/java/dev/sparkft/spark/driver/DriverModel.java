package dev.sparkft.spark.driver;

import dev.sparkft.model.FrozenParameters;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's model, resolved once on the driver before any Spark work: the engine parsed {@code model.options},
 * read the files they name (local paths or any Hadoop FileSystem URI, {@link HadoopModelFiles}) and, unless the
 * run resumes from a checkpoint, the starting weights. Afterwards nothing reads the user's weights path again:
 * executors build from {@link #architecture()}, which has no path in it, and get the parameters each round.
 */
public final class DriverModel {
    /** Logged (INFO) when resolution has finished: from then on the weights path may be deleted. */
    public static final String RESOLVED = "model resolved on the driver";
    private static final Logger LOG = LoggerFactory.getLogger(DriverModel.class);

    private final ModelArchitecture architecture;
    private final boolean resume;
    private float[] initial;

    private DriverModel(ModelArchitecture architecture, boolean resume, float[] initial) {
        this.architecture = architecture;
        this.resume = resume;
        this.initial = initial;
    }

    /**
     * Resolves {@code spec}; a missing or unreadable file fails naming the option and the path. With
     * {@code resume} the starting weights are not read (the checkpoint's parameters replace them), only the
     * architecture.
     */
    public static DriverModel resolve(ModelSpec spec, boolean resume, Configuration hadoopConf) {
        long start = System.nanoTime();
        ResolvedModel resolved;
        float[] initial;
        try (HadoopModelFiles files = new HadoopModelFiles(hadoopConf)) {
            resolved = ModelEngines.resolve(spec, files);
            initial = resume ? null : resolved.initialParameters();
        }
        FrozenParameters frozen = resolved.architecture().frozen();
        LOG.info("{} in {} ms ({}, {}{}): executors receive its architecture only", RESOLVED,
                (System.nanoTime() - start) / 1_000_000, spec.engine(),
                resume ? "starting weights not read: resuming" : initial.length + " starting parameters read",
                frozen == null ? "" : ", " + frozen.values().length + " frozen values read (broadcast once per job)");
        return new DriverModel(resolved.architecture(), resume, initial);
    }

    /** What executors build from: the engine's name and its path-free architecture. */
    public ModelArchitecture architecture() {
        return architecture;
    }

    /** Whether this was resolved for a resumed run (no starting weights read). */
    public boolean forResume() {
        return resume;
    }

    /**
     * The starting parameters, handed over once: the driver keeps no second copy of them while it trains.
     * Fails for a model resolved for a resumed run.
     */
    float[] takeInitialParameters() {
        if (resume || initial == null) {
            throw new IllegalStateException(resume ? "the model was resolved for --resume: its starting weights"
                    + " were not read" : "the starting parameters were already taken");
        }
        float[] taken = initial;
        initial = null;
        return taken;
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a training config: what the CLI calls. Resolves the model once on the driver ({@link DriverModel}), before
 * any Spark work, then holds {@code run.outputDir}'s {@link RunLock} throughout and
 * refuses, before training, an {@code export.dir} that is not an earlier export and missing export inputs.
 * Three steps: prepare the data (tokenise raw text when the config has {@code data.text}), train
 * ({@link TrainingLoop}), export the model when the config has {@code export} (and early stopping's best step,
 * when it kept one, into {@code <export.dir>-best}). The session already active in this JVM (a notebook, a
 * test) is used and left running; otherwise one is started from {@code run.master} and stopped at the end.
 * The model is resolved before Spark starts, so a bad model option or weights path fails fast.
 */
public final class TrainingService {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingService.class);

    private TrainingService() {
    }

    public static TrainingResult train(TrainConfig config, boolean resume, PrintStream console) {
        return train(config, resume, console, () -> false);
    }

    /** The same; {@code stopRequested} is asked after every round (see {@link TrainingLoop#run(boolean, BooleanSupplier)}). */
    public static TrainingResult train(TrainConfig config, boolean resume, PrintStream console,
            BooleanSupplier stopRequested) {
        ModelExport.requireReplaceable(config); // a cheap refusal before the model is read
        // Only reads the session's Hadoop settings when one is active; never starts one.
        Configuration conf = hadoopConf(config, new SparkSession[1]);
        // A scheduler passes --resume on every attempt: the first one finds no checkpoint and starts the run, so it
        // needs the starting weights.
        boolean fromCheckpoint = resume && !new CheckpointStore(config.checkpoint().dir(), conf,
                config.checkpoint().keepLast()).list().isEmpty();
        if (resume && !fromCheckpoint) {
            console.printf("sparkft: --resume: no checkpoint in %s yet, starting at step 0%n", config.checkpoint().dir());
        }
        DriverModel model = DriverModel.resolve(config.model(), fromCheckpoint, conf);
        return train(config, model, console, stopRequested);
    }

    /**
     * The same with the model already resolved on the driver ({@link DriverModel#resolve} of
     * {@code config.model()}, with the run's resume flag): nothing here reads the weights path again.
     */
    public static TrainingResult train(TrainConfig config, DriverModel model, PrintStream console,
            BooleanSupplier stopRequested) {
        ModelExport.requireReplaceable(config);
        SparkSession[] started = {null};
        try {
            return train(config, model, console, stopRequested, started);
        } finally {
            if (started[0] != null) {
                started[0].stop();
            }
        }
    }

    @SuppressWarnings("try") // the lock is held for the block's duration, never read
    private static TrainingResult train(TrainConfig config, DriverModel model, PrintStream console,
            BooleanSupplier stopRequested, SparkSession[] started) {
        Path outputDir = Path.of(config.run().outputDir());
        try (RunLock lock = RunLock.acquire(outputDir, config.run().name())) {
            Optional<RunCompletion> done = model.forResume() ? completion(config, hadoopConf(config, started))
                    : Optional.empty();
            if (done.isPresent()) {
                console.printf("sparkft: run '%s' is already complete at step %d (checkpoint %s, its report and"
                        + " export); nothing to do%n", config.run().name(), done.get().step(), done.get().checkpoint());
                return TrainingResult.alreadyComplete(done.get().step());
            }
            RunCompletion.clear(outputDir);
            TrainConfig prepared = config.data().text() == null ? config
                    : TextDataPreparation.prepare(session(config, started), config, console);
            Configuration preparedConf = hadoopConf(prepared, started);
            ImageShapeCheck.require(model.architecture(), prepared.data().train(), preparedConf);
            ImageShapeCheck.require(model.architecture(), prepared.data().validation(), preparedConf);
            if (prepared.export().enabled()) {
                ModelExport.requireInputs(prepared, model.architecture(), preparedConf);
            }
            TrainingResult result = new TrainingLoop(() -> session(config, started), prepared, model, console)
                    .run(model.forResume(), stopRequested);
            if (config.export().enabled()) {
                export(prepared, model, result, session(config, started).sparkContext().hadoopConfiguration(),
                        console);
            }
            // Last, once the report and the export are in place: a retry of this run is then a no-op.
            List<org.apache.hadoop.fs.Path> checkpoints = new CheckpointStore(config.checkpoint().dir(),
                    hadoopConf(config, started), config.checkpoint().keepLast()).list();
            if (!checkpoints.isEmpty()) {
                RunCompletion.of(config, result.endStep(), checkpoints.get(checkpoints.size() - 1).getName())
                        .write(outputDir);
            }
            return result;
        }
    }

    /** The output folder's completion record, when it covers this config and the newest checkpoint. */
    private static Optional<RunCompletion> completion(TrainConfig config, Configuration hadoopConf) {
        List<org.apache.hadoop.fs.Path> checkpoints = new CheckpointStore(config.checkpoint().dir(), hadoopConf,
                config.checkpoint().keepLast()).list();
        return RunCompletion.read(Path.of(config.run().outputDir())).filter(done -> !checkpoints.isEmpty()
                && done.covers(config, checkpoints.get(checkpoints.size() - 1).getName()));
    }

    /** The final parameters into {@code export.dir}; early stopping's best ones, when it kept some, next to it. */
    private static void export(TrainConfig config, DriverModel model, TrainingResult result,
            Configuration hadoopConf, PrintStream console) {
        Path dir = ModelExport.write(config, model.architecture(), result.params(), result.endStep(), Path.of(config.export().dir()),
                hadoopConf);
        console.printf("sparkft: exported the model at step %d to %s%n", result.endStep(), dir);
        if (result.bestStep() >= 0 && result.bestStep() != result.endStep()) {
            CheckpointStore store = new CheckpointStore(config.checkpoint().dir(), hadoopConf,
                    config.checkpoint().keepLast());
            org.apache.hadoop.fs.Path best = new org.apache.hadoop.fs.Path(config.checkpoint().dir(), CheckpointStore.BEST);
            float[] params;
            try {
                params = store.read(best).params();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read early stopping's best parameters " + best, e);
            }
            Path bestDir = ModelExport.write(config, model.architecture(), params, result.bestStep(), ModelExport.bestDir(config), hadoopConf);
            console.printf("sparkft: exported the best evaluation's model (step %d) to %s%n", result.bestStep(),
                    bestDir);
        }
    }

    /**
     * The Hadoop configuration for driver-side file reads and checks: the running session's when there is one (so
     * that a notebook's settings apply), else one with the {@code spark.hadoop.*} properties spark-submit passed
     * (as Spark itself builds it), so that the model is resolved and a bad export fails before Spark starts.
     */
    static Configuration hadoopConf(TrainConfig config, SparkSession[] started) {
        if (started[0] != null || SparkSession.getActiveSession().isDefined()
                || SparkSession.getDefaultSession().isDefined()) {
            return session(config, started).sparkContext().hadoopConfiguration();
        }
        return SparkSessions.hadoopConfiguration();
    }

    private static SparkSession session(TrainConfig config, SparkSession[] started) {
        if (started[0] != null) {
            return started[0];
        }
        if (SparkSession.getActiveSession().isDefined()) {
            return SparkSession.getActiveSession().get();
        }
        if (SparkSession.getDefaultSession().isDefined()) {
            return SparkSession.getDefaultSession().get();
        }
        started[0] = SparkSessions.builder(config.run()).getOrCreate();
        // Spark's own "Bound SparkUI" line is INFO, below what bin/sparkft shows of Spark.
        scala.Option<String> ui = started[0].sparkContext().uiWebUrl();
        if (ui.isDefined()) {
            LOG.info("Spark web UI at {} (listening on {})", ui.get(),
                    System.getenv().getOrDefault("SPARK_LOCAL_IP", "every interface"));
        }
        return started[0];
    }
}

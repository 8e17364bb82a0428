package dev.sparkft.spark.driver;

import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.Mode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run, top to bottom: config and the model resolved on the driver -> model layout -> data (schemas, every row's
 * shapes and labels and the checkpoint folder checked before step 1) -> optimizer -> resume -> loop of
 * rounds, evaluating the validation set every few epochs (early stopping may end the loop; a stop request
 * checkpoints and ends it) -> a checkpoint -> a last evaluation. Progress, metrics, the report file,
 * checkpoints and early stopping are listeners.
 */
public final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final Supplier<SparkSession> sparkSession;
    private final TrainConfig config;
    private final DriverModel model;
    private final PrintStream console;

    /**
     * {@code spark} is asked for the session once the model is built, so bad model options fail before Spark
     * starts; {@code model} is {@code config.model()} as {@link DriverModel#resolve} resolved it.
     */
    public TrainingLoop(Supplier<SparkSession> spark, TrainConfig config, DriverModel model, PrintStream console) {
        this.sparkSession = spark;
        this.config = config;
        this.model = model;
        this.console = console;
    }

    public TrainingResult run(boolean resume) {
        return run(resume, () -> false);
    }

    /**
     * Trains; after each round {@code stopRequested} is asked, and when it says yes the state is checkpointed
     * and {@link StopRequestedException} ends the run (a scheduler's SIGTERM keeps the last step).
     */
    public TrainingResult run(boolean resume, BooleanSupplier stopRequested) {
        if (resume != model.forResume()) {
            throw new IllegalStateException("the model was resolved " + (model.forResume() ? "for" : "without")
                    + " --resume but the run " + (resume ? "resumes" : "starts afresh"));
        }
        // The layout and the columns it reads, from a driver-side instance built as executors build theirs (its
        // frozen parameters, if any, are not needed for that).
        ParameterLayout layout;
        List<String> columns;
        List<ColumnExpectation> expectations;
        try (TrainableModel instance = ModelEngines.create(model.architecture().withFrozen(null))) {
            layout = instance.layout();
            columns = instance.inputColumns();
            expectations = instance.expectations();
        }
        LOG.info("model {}: {} ({} trainable); JVM heap at most {} MiB", config.model().engine(), layout,
                layout.trainableSize(), Runtime.getRuntime().maxMemory() >> 20);
        // Parameter groups checked against the layout here, before Spark starts, in both modes (when averaging,
        // the optimizer that uses them is built on the executors).
        Optimizers.describeGroups(config.optimizer(), layout).forEach(line -> LOG.info("optimizer: {}", line));

        SparkSession spark = sparkSession.get();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (config.data().validation() != null) {
            IndexedDataset.checkSchema(spark, config.data().validation(), columns); // before the training set's pass
        }
        CheckpointStore store = new CheckpointStore(config.checkpoint().dir(),
                spark.sparkContext().hadoopConfiguration(), config.checkpoint().keepLast());
        store.requireWritable();
        List<org.apache.hadoop.fs.Path> existing = store.list();
        if (!resume && !existing.isEmpty()) {
            throw new IllegalArgumentException("checkpoint.dir " + config.checkpoint().dir() + " already holds "
                    + "checkpoints of a run (newest " + existing.get(existing.size() - 1).getName()
                    + "): add --resume to continue it, or set another run.outputDir or checkpoint.dir"
                    + " (nothing was trained or deleted)");
        }
        store.sweepTemporaryFiles();
        try (FrozenBroadcast frozen = FrozenBroadcast.of(sc, model.architecture(),
                config.training().communication().chunkValues());
                BatchAlignedRows rows = BatchAlignedRows.load(spark, config, columns, expectations);
                Validator validator = config.data().validation() == null ? null
                        : new Validator(spark, config, frozen.architecture(), columns, expectations)) {
            ModelArchitecture architecture = frozen.architecture(); // what tasks carry
            GlobalBatchPlan plan = rows.plan();
            long totalSteps = config.training().steps() > 0 ? config.training().steps()
                    : config.training().epochs() * plan.stepsPerEpoch();
            // The round, and the state partitions keep between rounds (averaging's inner optimizer, residuals).
            double flopsPerExample = model.architecture().details().trainingFlopsPerExample(rows.lengths());
            PeakFlops peak = PeakFlops.of(config.logging().peakFlops(), sc.defaultParallelism());
            LOG.info("MFU: {} training FLOPs per example, against a peak of {} FLOP/s ({})",
                    String.format(Locale.ROOT, "%.4g", flopsPerExample),
                    String.format(Locale.ROOT, "%.4g", peak.flopsPerSecond()), peak.how());
            TrainingRound trainingRound = new TrainingRound(sc, config, config.training().mode() == Mode.AVERAGING,
                    flopsPerExample, peak);
            TrainingMaster master = config.training().mode() == Mode.SYNC
                    ? new SynchronousTrainingMaster(trainingRound, rows, plan, config, architecture)
                    : new ParameterAveragingTrainingMaster(trainingRound, rows, plan, config, architecture);

            // The driver's optimizer: the step's optimizer, or the outer one when averaging.
            OptimizerConfig driverConfig = config.training().mode() == Mode.SYNC
                    ? config.optimizer() : config.training().averaging().outer();
            Checkpoint resumed = null;
            String dataFingerprint = Long.toHexString(rows.fingerprint());
            if (resume) {
                resumed = store.latest().orElseThrow(() -> new IllegalArgumentException(
                        "--resume: no checkpoint in " + config.checkpoint().dir() + " reads back completely (the"
                                + " warnings above name the damaged files); remove them to start from the beginning"));
                ResumeCheck.requireCompatible(resumed, config.checkpoint().dir() + " at step " + resumed.step(),
                        config, layout, rows.count(), dataFingerprint);
                LOG.info("resuming from step {} ({} skipped so far)", resumed.step(), resumed.skippedSteps());
            }
            FlatParameters params = new FlatParameters(resumed == null ? model.takeInitialParameters() : resumed.params(),
                    Optimizers.create(driverConfig, layout));
            if (resumed != null) {
                params.optimizer().restore(resumed.optimizer());
                trainingRound.restore(resumed.partitions());
            }
            long step = resumed == null ? 0 : resumed.step();
            long skipped = resumed == null ? 0 : resumed.skippedSteps();

            CheckpointListener checkpoints = new CheckpointListener(store, config.checkpoint().everySteps(),
                    config.checkpoint().everyEpochs(), plan.stepsPerEpoch(), ConfigLoader.toTree(config).toString(),
                    Checkpoint.fingerprint(layout), rows.count(), dataFingerprint, trainingRound::partitionStates);
            EarlyStopping stopping = new EarlyStopping(config.evaluation().metric(), config.evaluation().patience(),
                    checkpoints::saveBest, console);
            List<TrainingListener> listeners = List.of(
                    new ConsoleProgress(console, config.logging().everySteps()),
                    new JsonlMetrics(Path.of(config.logging().metricsFile())),
                    new TensorBoardMetrics(config.logging().tensorboardDir(), sc.hadoopConfiguration(),
                            ConfigLoader.toTree(config)),
                    new ReportFile(Path.of(config.run().outputDir())),
                    new RunPlots(Path.of(config.logging().metricsFile()), Path.of(config.run().outputDir())),
                    checkpoints, stopping);
            try {
                long startStep = step;
                NonFiniteGuard guard = new NonFiniteGuard(config.nonFiniteSkips(), config.optimizer().learningRate());
                long evaluateEvery = config.evaluation().everyEpochs() * plan.stepsPerEpoch();
                TrainingState state = new TrainingState(step, totalSteps, skipped, params, Double.NaN);
                listeners.forEach(l -> l.onStart(state));
                List<RoundReport> rounds = new ArrayList<>();
                List<ValidationResult> evaluations = new ArrayList<>();
                while (step < totalSteps && !stopping.shouldStop()) {
                    RoundReport round = master.round(params, step, master.stepsInRound(step, totalSteps));
                    rounds.add(round);
                    // Before any listener: a diverged update must never reach a checkpoint or an export.
                    guard.checkParameters(round, params);
                    skipped += round.skipped() ? round.steps() : 0;
                    step = round.nextStep();
                    TrainingState now = new TrainingState(step, totalSteps, skipped, params, Double.NaN);
                    listeners.forEach(l -> l.onRound(round, now));
                    guard.countSkips(round);
                    if (stopRequested.getAsBoolean()) {
                        checkpoints.saveNow(now);
                        throw new StopRequestedException(step, config.checkpoint().dir());
                    }
                    // The run's last step gets the end-of-run evaluation instead.
                    if (validator != null && evaluateEvery > 0 && step < totalSteps
                            && step / evaluateEvery > round.step() / evaluateEvery) {
                        evaluations.add(evaluate(validator, plan, now, listeners));
                    }
                }
                boolean stoppedEarly = stopping.shouldStop();
                if (stoppedEarly) {
                    stopping.announceStop(step);
                }
                TrainingState last = new TrainingState(step, totalSteps, skipped, params, Double.NaN);
                // Saved before the last evaluation and the export: whatever fails there, the steps are kept.
                checkpoints.saveNow(last);
                if (validator != null) {
                    evaluations.add(evaluateAtEnd(validator, plan, last, evaluations, listeners));
                }
                double validationLoss = evaluations.isEmpty() ? Double.NaN : evaluations.get(evaluations.size() - 1).loss();
                TrainingState end = new TrainingState(step, totalSteps, skipped, params, validationLoss);
                listeners.forEach(l -> l.onEnd(end));
                return new TrainingResult(params.toArray(), params.optimizer().state(), startStep, step, skipped, rounds,
                        evaluations, stopping.bestStep(), stoppedEarly);
            } finally {
                listeners.forEach(TrainingListener::close);
                trainingRound.close();
            }
        }
    }

    /** Evaluates {@code state}'s parameters on the validation set at an epoch's end and tells the listeners. */
    private static ValidationResult evaluate(Validator validator, GlobalBatchPlan plan, TrainingState state,
            List<TrainingListener> listeners) {
        ValidationResult result = validator.evaluate(state.params().toArray(), state.step(),
                (double) state.step() / plan.stepsPerEpoch(), false);
        listeners.forEach(l -> l.onEvaluation(result, state));
        return result;
    }

    /** The end-of-run evaluation; after early stopping it is the evaluation that stopped the run. */
    private static ValidationResult evaluateAtEnd(Validator validator, GlobalBatchPlan plan, TrainingState state,
            List<ValidationResult> earlier, List<TrainingListener> listeners) {
        ValidationResult previous = earlier.isEmpty() ? null : earlier.get(earlier.size() - 1);
        ValidationResult result = previous != null && previous.step() == state.step()
                ? previous.atEnd()
                : validator.evaluate(state.params().toArray(), state.step(),
                        (double) state.step() / plan.stepsPerEpoch(), true);
        listeners.forEach(l -> l.onEvaluation(result, state));
        return result;
    }
}

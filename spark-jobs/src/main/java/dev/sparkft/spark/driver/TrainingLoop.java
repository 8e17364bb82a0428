package dev.sparkft.spark.driver;

import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.Mode;
import dev.sparkft.spark.executor.EvaluationWorker;
import dev.sparkft.spark.executor.PartialSum;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run, top to bottom: config -> model layout and initial parameters -> data (both schemas
 * checked before step 1) -> optimizer -> resume -> loop of rounds -> validation. Progress, metrics and checkpoints are listeners.
 */
public final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final Supplier<SparkSession> sparkSession;
    private final TrainConfig config;
    private final PrintStream console;

    /** {@code spark} is asked for the session once the model is built, so bad model options fail before Spark starts. */
    public TrainingLoop(Supplier<SparkSession> spark, TrainConfig config, PrintStream console) {
        this.sparkSession = spark;
        this.config = config;
        this.console = console;
    }

    public TrainingResult run(boolean resume) {
        // The model: layout, starting parameters and the columns it reads, from a driver-side instance.
        ParameterLayout layout;
        float[] initial;
        List<String> columns;
        try (TrainableModel model = ModelEngines.create(config.model())) {
            layout = model.layout();
            initial = model.initialParameters();
            columns = model.inputColumns();
        }
        LOG.info("model {}: {} ({} trainable)", config.model().engine(), layout, layout.trainableSize());

        SparkSession spark = sparkSession.get();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (config.data().validation() != null) {
            IndexedDataset.checkSchema(spark, config.data().validation(), columns);
        }
        try (IndexedDataset data = IndexedDataset.load(spark, config.data().train(), columns, config.data().partitions())) {
            GlobalBatchPlan plan = new GlobalBatchPlan(config.run().seed(), data.count(), config.training().globalBatch());
            long totalSteps = config.training().steps() > 0 ? config.training().steps()
                    : config.training().epochs() * plan.stepsPerEpoch();
            TrainingMaster master = config.training().mode() == Mode.SYNC
                    ? new SynchronousTrainingMaster(sc, data, plan, config)
                    : new ParameterAveragingTrainingMaster(sc, data, plan, config);

            // The driver's optimizer: the step's optimizer, or the outer one when averaging.
            OptimizerConfig driverConfig = config.training().mode() == Mode.SYNC
                    ? config.optimizer() : config.training().averaging().outer();
            CheckpointStore store = new CheckpointStore(config.checkpoint().dir(),
                    spark.sparkContext().hadoopConfiguration(), config.checkpoint().keepLast());
            Checkpoint resumed = null;
            if (resume) {
                resumed = store.latest().orElseThrow(() -> new IllegalStateException(
                        "--resume: no complete checkpoint in " + config.checkpoint().dir()));
                ResumeCheck.requireCompatible(resumed, config.checkpoint().dir() + " at step " + resumed.step(),
                        config, layout, data.count());
                LOG.info("resuming from step {} ({} skipped so far)", resumed.step(), resumed.skippedSteps());
            }
            FlatParameters params = new FlatParameters(resumed == null ? initial : resumed.params(),
                    Optimizers.create(driverConfig, layout));
            if (resumed != null) {
                params.optimizer().restore(resumed.optimizer());
            }
            long step = resumed == null ? 0 : resumed.step();
            long skipped = resumed == null ? 0 : resumed.skippedSteps();

            List<TrainingListener> listeners = List.of(
                    new ConsoleProgress(console, config.logging().everySteps()),
                    new JsonlMetrics(Path.of(config.logging().metricsFile())),
                    new CheckpointListener(store, config.checkpoint().everySteps(),
                            ConfigLoader.toTree(config).toString(), Checkpoint.fingerprint(layout), data.count()));
            try {
                long startStep = step;
                TrainingState state = new TrainingState(step, totalSteps, skipped, params, Double.NaN);
                listeners.forEach(l -> l.onStart(state));
                List<RoundReport> rounds = new ArrayList<>();
                while (step < totalSteps) {
                    RoundReport round = master.round(params, step, master.stepsInRound(step, totalSteps));
                    rounds.add(round);
                    skipped += round.skipped() ? round.steps() : 0;
                    step = round.nextStep();
                    TrainingState now = new TrainingState(step, totalSteps, skipped, params, Double.NaN);
                    listeners.forEach(l -> l.onRound(round, now));
                }
                double validationLoss = validationLoss(spark, columns, params);
                TrainingState end = new TrainingState(step, totalSteps, skipped, params, validationLoss);
                listeners.forEach(l -> l.onEnd(end));
                return new TrainingResult(params.toArray(), params.optimizer().state(), startStep, step, skipped, rounds,
                        validationLoss);
            } finally {
                listeners.forEach(TrainingListener::close);
            }
        }
    }

    /** Mean loss over the validation set at {@code params}, or NaN without one. */
    private double validationLoss(SparkSession spark, List<String> columns, FlatParameters params) {
        if (config.data().validation() == null) {
            return Double.NaN;
        }
        try (IndexedDataset validation = IndexedDataset.load(spark, config.data().validation(), columns,
                config.data().partitions())) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            PartialSum sum = RoundRunner.run(sc, validation, params.toArray(), broadcast -> new EvaluationWorker(
                    config.model(), validation.assembler(), broadcast, config.training().microBatch()));
            LossSum loss = sum.lossSum();
            return loss.mean();
        }
    }
}

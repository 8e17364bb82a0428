package dev.sparkft.spark.driver;

import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.LearningRateSchedule;
import dev.sparkft.optim.Schedules;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.executor.LocalStepsWorker;

/**
 * Parameter averaging (DiLoCo-style when the outer optimizer has momentum): each round covers K steps;
 * every partition takes K local steps of the inner optimizer on its share of those global batches and
 * returns its delta weighted by its examples; the driver applies the outer optimizer to minus the weighted
 * mean delta. Each partition's inner optimizer continues from its previous round (its state is kept on the
 * executors by the {@link TrainingRound}). With K = 1, inner SGD and outer SGD at learning rate 1 this is
 * synchronous SGD.
 */
public final class ParameterAveragingTrainingMaster implements TrainingMaster {
    private final TrainingRound round;
    private final BatchAlignedRows rows;
    private final GlobalBatchPlan plan;
    private final TrainConfig config;
    private final ModelArchitecture architecture;
    private final LearningRateSchedule innerSchedule;

    ParameterAveragingTrainingMaster(TrainingRound round, BatchAlignedRows rows, GlobalBatchPlan plan,
            TrainConfig config, ModelArchitecture architecture) {
        this.round = round;
        this.architecture = architecture;
        this.rows = rows;
        this.plan = plan;
        this.config = config;
        this.innerSchedule = Schedules.of(config.optimizer().schedule(), config.optimizer().learningRate());
    }

    @Override
    public int stepsInRound(long step, long totalSteps) {
        return (int) Math.min(config.training().averaging().localSteps(), totalSteps - step);
    }

    @Override
    public RoundReport round(FlatParameters params, long step, int steps) {
        long[][] batches = new long[steps][];
        long[] epochs = new long[steps];
        for (int k = 0; k < steps; k++) {
            batches[k] = plan.batch(step + k);
            epochs[k] = plan.epochOf(step + k);
        }
        IndexedDataset data = rows.forStep(step);
        // Workers send weight * (local - start); minus the weighted mean delta is the outer "gradient".
        return round.run(data, params, step, steps, -1.0, 0, innerSchedule.at(step),
                broadcast -> new LocalStepsWorker(architecture, data.assembler(), data.key(), broadcast, step,
                        batches, config.training().microBatch(), config.optimizer(), config.clipping().maxGradNorm(),
                        epochs));
    }
}

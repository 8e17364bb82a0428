package dev.sparkft.spark.driver;

import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.LearningRateSchedule;
import dev.sparkft.optim.Schedules;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.executor.GradientWorker;

/**
 * Synchronous data parallelism, one step per round: every partition returns the gradient sum over its
 * members of the step's global batch; the driver divides the total by the total weight, clips it and
 * applies the optimizer. The result equals a single-process step on the whole global batch.
 */
public final class SynchronousTrainingMaster implements TrainingMaster {
    private final TrainingRound round;
    private final BatchAlignedRows rows;
    private final GlobalBatchPlan plan;
    private final TrainConfig config;
    private final ModelArchitecture architecture;
    private final LearningRateSchedule schedule;

    SynchronousTrainingMaster(TrainingRound round, BatchAlignedRows rows, GlobalBatchPlan plan,
            TrainConfig config, ModelArchitecture architecture) {
        this.round = round;
        this.architecture = architecture;
        this.rows = rows;
        this.plan = plan;
        this.config = config;
        this.schedule = Schedules.of(config.optimizer().schedule(), config.optimizer().learningRate());
    }

    @Override
    public int stepsInRound(long step, long totalSteps) {
        return 1;
    }

    @Override
    public RoundReport round(FlatParameters params, long step, int steps) {
        long[] batch = plan.batch(step);
        IndexedDataset data = rows.forStep(step);
        return round.run(data, params, step, 1, 1.0, config.clipping().maxGradNorm(),
                schedule.at(params.optimizer().stepCount()), broadcast -> new GradientWorker(architecture,
                        data.assembler(), data.key(), broadcast, step, batch, config.training().microBatch(),
                        plan.epochOf(step)));
    }
}

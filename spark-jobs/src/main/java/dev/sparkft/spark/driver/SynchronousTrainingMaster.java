package dev.sparkft.spark.driver;

import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.LearningRateSchedule;
import dev.sparkft.optim.Schedules;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.NonFinitePolicy;
import dev.sparkft.spark.executor.FloatVectors;
import dev.sparkft.spark.executor.GradientWorker;
import dev.sparkft.spark.executor.PartialSum;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Synchronous data parallelism, one step per round: every partition returns the gradient sum over its
 * members of the step's global batch; the driver divides the total by the total weight, clips it and
 * applies the optimizer. The result equals a single-process step on the whole global batch.
 */
public final class SynchronousTrainingMaster implements TrainingMaster {
    private final JavaSparkContext sc;
    private final BatchAlignedRows rows;
    private final GlobalBatchPlan plan;
    private final TrainConfig config;
    private final ModelArchitecture architecture;
    private final LearningRateSchedule schedule;

    SynchronousTrainingMaster(JavaSparkContext sc, BatchAlignedRows rows, GlobalBatchPlan plan,
            TrainConfig config, ModelArchitecture architecture) {
        this.sc = sc;
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
        long start = System.nanoTime();
        long[] batch = plan.batch(step);
        IndexedDataset data = rows.forStep(step);
        float[] flat = params.toArray();
        PartialSum sum = RoundRunner.run(sc, data, flat, broadcast -> new GradientWorker(architecture,
                data.assembler(), data.key(), broadcast, step, batch, config.training().microBatch(),
                plan.epochOf(step)));
        long reduced = System.nanoTime();

        LossSum loss = sum.lossSum();
        float[] gradient = sum.vector();
        double lr = schedule.at(params.optimizer().stepCount());
        boolean finite = sum.firstNonFinite() < 0 && Double.isFinite(loss.loss())
                && FloatVectors.scaleIfFinite(gradient, 1.0 / loss.weight());
        if (!finite && config.onNonFinite() == NonFinitePolicy.FAIL) {
            throw new NonFiniteStepException(step, RoundRunner.nonFiniteMessage(step, 1, sum, config.data().train()));
        }
        double norm = Double.NaN;
        if (finite) {
            norm = params.step(gradient, config.clipping().maxGradNorm());
        }
        long end = System.nanoTime();
        long bytes = 4L * flat.length;
        return new RoundReport(step, 1, loss.mean(), sum.examples(), norm, lr, !finite, end - start,
                sum.computeNanos(), end - reduced, bytes, bytes, sum.contributors());
    }
}

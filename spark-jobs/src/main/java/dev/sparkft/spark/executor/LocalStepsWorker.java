package dev.sparkft.spark.executor;

import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.Optimizer;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.OptimizerState;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.spark.executor.PartitionMemo.IndexedRows;
import dev.sparkft.spark.executor.PartitionMemo.Selection;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * One round of parameter averaging on one partition: starting from the round's parameters, K local
 * inner-optimizer steps, step k on the partition's share of global batch {@code firstStep + k} (the mean
 * gradient over that share, clipped like the driver's). Returns the parameter delta multiplied by the
 * partition's loss weight, so the driver's sum divided by the total weight is the weighted mean delta.
 *
 * <p>The inner optimizer continues from the partition's previous round (DiLoCo): its buffers (Adam's moments) are
 * the partition's {@link PartitionState}, kept on the executor between rounds, and its step count is set to
 * {@code firstStep} each round, so the schedule and Adam's bias correction follow the global step. The first round
 * starts from zero moments.
 */
public final class LocalStepsWorker implements PartitionWorker {
    private static final long serialVersionUID = 1L;

    private final ModelArchitecture architecture;
    private final BatchAssembler assembler;
    private final String dataKey;
    private final RoundParameters params;
    private final long firstStep;
    private final long[][] globalBatches;
    private final int microBatch;
    private final OptimizerConfig inner;
    private final double maxGradNorm;
    private final long[] epochs;

    /** {@code epochs[k]}: the epoch of step {@code firstStep + k}, for per-example augmentation. */
    public LocalStepsWorker(ModelArchitecture architecture, BatchAssembler assembler, String dataKey, RoundParameters params,
            long firstStep, long[][] globalBatches, int microBatch, OptimizerConfig inner, double maxGradNorm,
            long[] epochs) {
        this.epochs = epochs.clone();
        this.architecture = architecture;
        this.assembler = assembler;
        this.dataKey = dataKey;
        this.params = params;
        this.firstStep = firstStep;
        this.globalBatches = globalBatches;
        this.microBatch = microBatch;
        this.inner = inner;
        this.maxGradNorm = maxGradNorm;
    }

    @Override
    public Output call(Iterator<Tuple2<Long, Row>> partition, PartitionState previous) {
        long start = System.nanoTime();
        IndexedRows rows = PartitionMemo.get(dataKey, TaskContext.getPartitionId(), partition);
        return ExecutorModels.withModel(architecture, lease -> {
            float[] startParams = params.value();
            Optimizer optimizer = Optimizers.create(inner, lease.model().layout());
            OptimizerState kept = previous.inner(firstStep);
            if (kept == null) {
                OptimizerState fresh = optimizer.state();
                kept = new OptimizerState(fresh.optimizer(), firstStep, fresh.buffers());
            }
            optimizer.restore(kept);
            FlatParameters local = new FlatParameters(startParams, optimizer);

            LossSum total = LossSum.ZERO;
            long examples = 0;
            long firstNonFinite = -1;
            for (int k = 0; k < globalBatches.length; k++) {
                Selection share = rows.select(globalBatches[k]);
                if (share.isEmpty()) {
                    continue;
                }
                lease.setLocalParameters(k == 0 ? startParams : local.toArray());
                float[] gradient = RoundVectors.take(startParams.length);
                MicroBatches.Sum sum = MicroBatches.accumulate(lease.model(), assembler, share, microBatch, gradient,
                        epochs[k]);
                total = total.plus(sum.loss());
                examples += share.size();
                if (sum.firstNonFinite() >= 0 || !FloatVectors.allFinite(gradient)) {
                    // Nothing sensible can follow a non-finite local step; the driver decides (fail or skip).
                    firstNonFinite = sum.firstNonFinite() >= 0 ? sum.firstNonFinite() : share.indices()[0];
                    break;
                }
                lease.checkFirstGradient(gradient, firstStep + k);
                FloatVectors.scale(gradient, 1.0 / sum.loss().weight());
                local.step(gradient, maxGradNorm);
                RoundVectors.giveBack(gradient);
            }
            // state() copies the buffers: the stored previous state is never written to.
            PartitionState next = PartitionState.of(optimizer.state(), previous.residual());
            if (examples == 0) {
                return new Output(PartialSum.empty(System.nanoTime() - start), next);
            }
            float[] delta = RoundVectors.take(startParams.length);
            local.copyTo(delta);
            double weight = total.weight();
            for (int i = 0; i < delta.length; i++) {
                delta[i] = (float) ((delta[i] - startParams[i]) * weight);
            }
            return new Output(new PartialSum(delta, total, examples, System.nanoTime() - start, firstNonFinite)
                    .pooledVector(), next);
        });
    }
}

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
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * One round of parameter averaging on one partition: starting from the round's parameters, K local
 * inner-optimizer steps, step k on the partition's share of global batch {@code firstStep + k} (the mean
 * gradient over that share, clipped like the driver's). Returns the parameter delta multiplied by the
 * partition's loss weight, so the driver's sum divided by the total weight is the weighted mean delta.
 *
 * <p>The inner optimizer starts fresh every round (its step count set to {@code firstStep}, so the schedule
 * follows the global step): its state lives in no executor, the result does not depend on where a partition
 * runs, and a checkpoint between rounds is exact. For Adam-type inner optimizers this means the moments
 * restart every round while the bias correction follows the global step.
 */
public final class LocalStepsWorker implements FlatMapFunction<Iterator<Tuple2<Long, Row>>, PartialSum> {
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
    public Iterator<PartialSum> call(Iterator<Tuple2<Long, Row>> partition) {
        long start = System.nanoTime();
        IndexedRows rows = PartitionMemo.get(dataKey, TaskContext.getPartitionId(), partition);
        PartialSum result = ExecutorModels.withModel(architecture, lease -> {
            float[] startParams = params.value();
            Optimizer optimizer = Optimizers.create(inner, lease.model().layout());
            OptimizerState fresh = optimizer.state();
            optimizer.restore(new OptimizerState(fresh.optimizer(), firstStep, fresh.buffers()));
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
            if (examples == 0) {
                return PartialSum.empty(System.nanoTime() - start);
            }
            float[] delta = RoundVectors.take(startParams.length);
            local.copyTo(delta);
            double weight = total.weight();
            for (int i = 0; i < delta.length; i++) {
                delta[i] = (float) ((delta[i] - startParams[i]) * weight);
            }
            return new PartialSum(delta, total, examples, System.nanoTime() - start, firstNonFinite).pooledVector();
        });
        return List.of(result).iterator();
    }
}

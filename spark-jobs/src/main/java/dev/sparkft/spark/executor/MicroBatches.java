package dev.sparkft.spark.executor;

import dev.sparkft.model.LossSum;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.executor.PartitionMemo.Selection;

/** Runs a partition's share of one global batch through a model in micro-batches, summing the gradient. */
final class MicroBatches {
    private MicroBatches() {
    }

    /** Result of one share: summed loss and the first example of a micro-batch with a non-finite loss (or -1). */
    record Sum(LossSum loss, long firstNonFinite) {
    }

    /** {@code epoch}: the step's epoch, for per-example augmentation (see {@link BatchAssembler}). */
    static Sum accumulate(TrainableModel model, BatchAssembler assembler, Selection share, int microBatch,
            float[] gradientSum, long epoch) {
        LossSum total = LossSum.ZERO;
        long firstNonFinite = -1;
        for (int from = 0; from < share.size(); from += microBatch) {
            Selection micro = share.slice(from, Math.min(share.size(), from + microBatch));
            LossSum loss = model.accumulateGradient(assembler.assemble(micro.rows(), micro.indices(), epoch), gradientSum);
            if (!Double.isFinite(loss.loss()) && firstNonFinite < 0) {
                firstNonFinite = micro.indices()[0];
            }
            total = total.plus(loss);
        }
        return new Sum(total, firstNonFinite);
    }
}

package dev.sparkft.spark.executor;

import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.spark.executor.PartitionMemo.IndexedRows;
import dev.sparkft.spark.executor.PartitionMemo.Selection;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * One synchronous step on one partition: loads the round's parameters into this task's model, selects
 * the partition's members of the step's global batch and returns the gradient of their summed loss as ONE
 * {@link PartialSum}, computed in micro-batches of at most {@code microBatch} examples.
 */
public final class GradientWorker implements PartitionWorker {
    private static final long serialVersionUID = 1L;

    private final ModelArchitecture architecture;
    private final BatchAssembler assembler;
    private final String dataKey;
    private final RoundParameters params;
    private final long step;
    private final long[] globalBatch;
    private final int microBatch;
    private final long epoch;

    public GradientWorker(ModelArchitecture architecture, BatchAssembler assembler, String dataKey, RoundParameters params,
            long step, long[] globalBatch, int microBatch, long epoch) {
        this.epoch = epoch;
        this.architecture = architecture;
        this.assembler = assembler;
        this.dataKey = dataKey;
        this.params = params;
        this.step = step;
        this.globalBatch = globalBatch;
        this.microBatch = microBatch;
    }

    /** The gradient sum; a synchronous step keeps no state of its own ({@code previous} goes on as it is). */
    @Override
    public Output call(Iterator<Tuple2<Long, Row>> partition, PartitionState previous) {
        long start = System.nanoTime();
        IndexedRows rows = PartitionMemo.get(dataKey, TaskContext.getPartitionId(), partition);
        Selection share = rows.select(globalBatch);
        if (share.isEmpty()) {
            return new Output(PartialSum.empty(System.nanoTime() - start), previous);
        }
        PartialSum result = ExecutorModels.withModel(architecture, lease -> {
            lease.ensureParameters(params);
            float[] gradientSum = RoundVectors.take(lease.model().layout().size());
            MicroBatches.Sum sum = MicroBatches.accumulate(lease.model(), assembler, share, microBatch, gradientSum,
                    epoch);
            long firstNonFinite = sum.firstNonFinite();
            if (firstNonFinite < 0 && !FloatVectors.allFinite(gradientSum)) {
                firstNonFinite = share.indices()[0];
            }
            if (firstNonFinite < 0) {
                lease.checkFirstGradient(gradientSum, step);
            }
            return new PartialSum(gradientSum, sum.loss(), share.size(), System.nanoTime() - start, firstNonFinite)
                    .pooledVector();
        });
        return new Output(result, previous);
    }
}

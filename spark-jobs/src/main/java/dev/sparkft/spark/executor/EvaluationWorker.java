package dev.sparkft.spark.executor;

import dev.sparkft.model.ModelSpec;
import dev.sparkft.spark.executor.PartitionMemo.Selection;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The summed loss of a whole partition at the broadcast parameters, in micro-batches. The seam has no
 * loss-only call, so the gradient goes into a scratch buffer that is dropped; no vector is sent back.
 */
public final class EvaluationWorker implements FlatMapFunction<Iterator<Tuple2<Long, Row>>, PartialSum> {
    private static final long serialVersionUID = 1L;

    private final ModelSpec spec;
    private final BatchAssembler assembler;
    private final Broadcast<float[]> params;
    private final int microBatch;

    public EvaluationWorker(ModelSpec spec, BatchAssembler assembler, Broadcast<float[]> params, int microBatch) {
        this.spec = spec;
        this.assembler = assembler;
        this.params = params;
        this.microBatch = microBatch;
    }

    @Override
    public Iterator<PartialSum> call(Iterator<Tuple2<Long, Row>> partition) {
        long start = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        List<Long> indices = new ArrayList<>();
        partition.forEachRemaining(t -> {
            indices.add(t._1());
            rows.add(t._2());
        });
        if (rows.isEmpty()) {
            return List.of(PartialSum.empty(System.nanoTime() - start)).iterator();
        }
        Selection all = new Selection(rows, indices.stream().mapToLong(Long::longValue).toArray());
        PartialSum result = ExecutorModels.withModel(spec, lease -> {
            lease.ensureParameters(params);
            float[] scratch = new float[lease.model().layout().size()];
            MicroBatches.Sum sum = MicroBatches.accumulate(lease.model(), assembler, all, microBatch, scratch);
            return new PartialSum(null, sum.loss(), all.size(), System.nanoTime() - start, sum.firstNonFinite());
        });
        return List.of(result).iterator();
    }
}

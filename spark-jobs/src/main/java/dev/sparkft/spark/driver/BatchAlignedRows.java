package dev.sparkft.spark.driver;

import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.data.image.ImageShape;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.spark.config.TrainConfig;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training set as the rounds read it: placed anew at the start of each epoch by that epoch's
 * {@link BatchAlignedPartitioner}, so that every partition computes the same share of every global batch.
 * Which examples form a batch does not change (that is the {@link GlobalBatchPlan}'s), only where they sit;
 * the placement is a pure function of the plan and the epoch, so resumed runs and recomputed partitions
 * see the same layout. Driver side; holds the loaded rows and one epoch's placement at a time.
 */
final class BatchAlignedRows implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchAlignedRows.class);

    private final IndexedDataset data;
    private final GlobalBatchPlan plan;
    private final int partitions;
    private long epoch = -1;
    private IndexedDataset placed;

    private BatchAlignedRows(IndexedDataset data, GlobalBatchPlan plan, int partitions) {
        this.data = data;
        this.plan = plan;
        this.partitions = partitions;
    }

    /** Loads {@code config}'s training set (the model's {@code columns}) and its batch plan. */
    static BatchAlignedRows load(SparkSession spark, TrainConfig config, List<String> columns,
            List<ColumnExpectation> expectations) {
        int partitions = config.data().partitions();
        IndexedDataset data = IndexedDataset.load(spark, config.data().train(), columns, expectations, partitions);
        try {
            if (config.data().augment() != null) {
                data = data.withAssembler(augmenting(spark, config, data.assembler()));
            }
            GlobalBatchPlan plan = new GlobalBatchPlan(config.run().seed(), data.count(), config.training().globalBatch());
            return new BatchAlignedRows(data, plan, partitions);
        } catch (RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /** The assembler that augments {@code data.augment.column} with the image shape of the training data's descriptor. */
    private static dev.sparkft.spark.executor.BatchAssembler augmenting(SparkSession spark, TrainConfig config,
            dev.sparkft.spark.executor.BatchAssembler assembler) {
        TrainConfig.Augment a = config.data().augment();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(config.data().train()).getParent();
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (dir == null || !PreparedDataset.exists(dir, conf)) {
            throw new IllegalArgumentException("data.augment needs the image shape from the dataset.json next to "
                    + config.data().train() + " (none found): prepare the images with sparkft prepare (imageSize)");
        }
        PreparedDataset d = PreparedDataset.read(dir, conf);
        if (d.imageShape() == null) {
            throw new IllegalArgumentException("data.augment: " + new org.apache.hadoop.fs.Path(dir, PreparedDataset.FILE)
                    + " records no image shape; prepare the images with imageSize");
        }
        List<Integer> s = d.imageShape();
        ImageShape shape = new ImageShape(s.get(0), s.get(1), s.get(2));
        LOG.info("training images of {} augmented: {}", shape, a);
        return assembler.withAugmentation(a.column(), a.augmentation(), shape);
    }

    GlobalBatchPlan plan() {
        return plan;
    }

    long count() {
        return data.count();
    }

    /** The training set's {@link IndexedDataset#lengths()}. */
    java.util.Map<String, Integer> lengths() {
        return data.lengths();
    }

    /** The training set's {@link IndexedDataset#fingerprint()}. */
    long fingerprint() {
        return data.fingerprint();
    }

    /** The rows placed for the epoch of {@code step}; re-placed (one shuffle) when a new epoch begins. */
    IndexedDataset forStep(long step) {
        long wanted = plan.epochOf(step);
        if (wanted != epoch) {
            long start = System.nanoTime();
            IndexedDataset next = data.placedBy(plan.partitionerFor(wanted, partitions), "epoch " + wanted);
            releasePlaced();
            placed = next;
            epoch = wanted;
            LOG.info("epoch {}: {} examples placed so each of {} partitions holds an equal share of every batch ({} ms)",
                    wanted, data.count(), partitions, (System.nanoTime() - start) / 1_000_000);
        }
        return placed;
    }

    private void releasePlaced() {
        if (placed != null) {
            placed.close();
            placed = null;
        }
    }

    @Override
    public void close() {
        releasePlaced();
        data.close();
    }
}

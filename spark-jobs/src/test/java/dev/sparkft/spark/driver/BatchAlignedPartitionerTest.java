package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.testing.TestSpark;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/** Every global batch of an epoch splits evenly over the partitions, whichever batch and epoch. */
class BatchAlignedPartitionerTest {
    @TempDir
    Path dir;

    @Test
    void everyBatchOfTheEpochSplitsEvenly() {
        GlobalBatchPlan plan = new GlobalBatchPlan(5, 1003, 32);
        for (int partitions : new int[] {1, 2, 3, 4, 8, 40}) {
            for (long epoch = 0; epoch < 3; epoch++) {
                BatchAlignedPartitioner placement = plan.partitionerFor(epoch, partitions);
                for (long s = 0; s < plan.stepsPerEpoch(); s++) {
                    int[] shares = new int[partitions];
                    for (long i : plan.batch(epoch * plan.stepsPerEpoch() + s)) {
                        shares[placement.getPartition(i)]++;
                    }
                    for (int p = 0; p < partitions; p++) {
                        assertTrue(shares[p] == 32 / partitions || shares[p] == (32 + partitions - 1) / partitions,
                                "partition " + p + " of " + partitions + " holds " + shares[p] + " of step " + s);
                    }
                }
            }
        }
    }

    @Test
    void theSameOnAnotherJvmAndNewEachEpoch() throws Exception {
        GlobalBatchPlan plan = new GlobalBatchPlan(5, 1003, 32);
        BatchAlignedPartitioner here = plan.partitionerFor(1, 4);
        BatchAlignedPartitioner shipped = roundTrip(here);
        assertEquals(here, shipped);
        int moved = 0;
        BatchAlignedPartitioner next = plan.partitionerFor(2, 4);
        assertNotEquals(here, next);
        for (long i = 0; i < 1003; i++) {
            assertEquals(here.getPartition(i), shipped.getPartition(i), "example " + i);
            moved += here.getPartition(i) == next.getPartition(i) ? 0 : 1;
        }
        assertTrue(moved > 500, "a new epoch's batches are new, so most examples move: " + moved);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> here.getPartition(1003L));
        assertEquals("global index 1003 outside the plan's 1003 examples", e.getMessage());
    }

    @Test
    void sparkPlacesTheRowsWhereThePartitionerSays() {
        SparkSession spark = TestSpark.session();
        String path = dir.resolve("rows.parquet").toString();
        spark.range(103).selectExpr("cast(id * 7 as int) as x").repartition(3).write().parquet(path);
        GlobalBatchPlan plan = new GlobalBatchPlan(9, 103, 10);
        try (IndexedDataset data = IndexedDataset.load(spark, path, List.of("x"), List.of(), 2);
             IndexedDataset placed = data.placedBy(plan.partitionerFor(1, 3), "epoch 1")) {
            assertEquals(3, placed.rows().getNumPartitions());
            assertNotEquals(data.key(), placed.key());
            Map<Long, Integer> partitionOf = partitionOf(placed.rows());
            Map<Long, Integer> valueOf = new HashMap<>();
            data.rows().collect().forEach(t -> valueOf.put(t._1(), t._2().getInt(0)));
            assertEquals(103, partitionOf.size());
            placed.rows().collect().forEach(t -> assertEquals(valueOf.get(t._1()), t._2().getInt(0),
                    "row of example " + t._1() + " moved with its index"));
            for (long s = plan.stepsPerEpoch(); s < 2 * plan.stepsPerEpoch(); s++) {
                int[] shares = new int[3];
                for (long i : plan.batch(s)) {
                    shares[partitionOf.get(i)]++;
                }
                // 10 over 3: positions 0-3, 4-6, 7-9.
                assertEquals(List.of(4, 3, 3), List.of(shares[0], shares[1], shares[2]), "step " + s);
            }
        }
    }

    private static Map<Long, Integer> partitionOf(JavaPairRDD<Long, Row> rows) {
        List<Tuple2<Long, Integer>> pairs = rows.mapPartitionsWithIndex((p, it) -> {
            List<Tuple2<Long, Integer>> out = new ArrayList<>();
            it.forEachRemaining(t -> out.add(new Tuple2<>(t._1(), p)));
            return out.iterator();
        }, false).collect();
        Map<Long, Integer> out = new HashMap<>();
        pairs.forEach(t -> assertEquals(null, out.put(t._1(), t._2()), "example " + t._1() + " twice"));
        return out;
    }

    private static BatchAlignedPartitioner roundTrip(BatchAlignedPartitioner p) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(p);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (BatchAlignedPartitioner) in.readObject();
        }
    }
}

package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.executor.InProcessRound;
import dev.sparkft.spark.executor.RoundParameters;
import dev.sparkft.spark.testing.TestSpark;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Partition results are summed in partition order, whatever order the tasks finish in: on a cluster by
 * {@link OrderedSum}, in local mode by {@link InProcessRound}, with the same bits.
 */
class OrderedSumTest {

    /** Float addition is not associative: small values vanish next to 1e8 unless it has cancelled first. */
    private static float value(int partition) {
        return switch (partition % 3) {
            case 0 -> 3f + partition;
            case 1 -> 1e8f;
            default -> -1e8f;
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 7, 10})
    void sumsInPartitionOrderEvenWhenLaterPartitionsFinishFirst(int partitions) throws Exception {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            ids.add(i);
        }
        // Partition i sleeps (partitions - i) * 30 ms: the last partitions finish first.
        JavaRDD<float[]> partials = sc.parallelize(ids, partitions).map(i -> {
            Thread.sleep((partitions - i) * 30L);
            return new float[] {value(i)};
        });
        float sequential = 0;
        float reversed = 0;
        for (int i = 0; i < partitions; i++) {
            sequential += value(i);
            reversed += value(partitions - 1 - i);
        }
        float sum = OrderedSum.of(partials, OrderedSumTest::add)[0];
        if (partitions <= 4) {
            assertEquals(Float.floatToIntBits(sequential), Float.floatToIntBits(sum));
        } else {
            // Two levels: groups of ceil(sqrt(n)) consecutive partitions, each summed in order, then the groups in order.
            int group = (int) Math.ceil(Math.sqrt(partitions));
            float expected = 0;
            for (int start = 0; start < partitions; start += group) {
                float g = 0;
                for (int i = start; i < Math.min(partitions, start + group); i++) {
                    g = i == start ? value(i) : g + value(i);
                }
                expected = start == 0 ? g : expected + g;
            }
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(sum));
        }
        // The check can fail: the order-sensitive values really give another sum in another order.
        assertNotEquals(Float.floatToIntBits(sequential), Float.floatToIntBits(reversed));
        for (int run = 0; run < 2; run++) {
            assertEquals(Float.floatToIntBits(sum),
                    Float.floatToIntBits(OrderedSum.of(partials, OrderedSumTest::add)[0]));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 10})
    void inProcessRoundFoldsInTheSameOrderAsOrderedSum(int partitions) throws Exception {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        JavaRDD<Integer> ids = sc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions);
        float[] parameters = {0.5f};
        float onCluster = OrderedSum.of(ids.map(i -> new float[] {value(i) * parameters[0]}), OrderedSumTest::add)[0];
        try (InProcessRound<float[]> round = InProcessRound.open(parameters, partitions,
                OrderedSum.groupSize(partitions), OrderedSumTest::add)) {
            RoundParameters params = round.parameters();
            int driverArray = System.identityHashCode(parameters);
            // Later partitions finish first, and each task reads the driver's array itself, not a copy.
            ids.foreachPartition(round.parking(it -> {
                int i = it.next();
                Thread.sleep((partitions - i) * 30L);
                assertEquals(driverArray, System.identityHashCode(params.value()));
                return List.of(new float[] {value(i) * params.value()[0]}).iterator();
            }));
            assertEquals(Float.floatToIntBits(onCluster), Float.floatToIntBits(round.sum()[0]));
        }
    }

    @Test
    void inProcessRoundNamesAMissingPartitionAndIsGoneOnceClosed() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        JavaRDD<Integer> ids = sc.parallelize(List.of(0, 1, 2), 3);
        RoundParameters params;
        try (InProcessRound<float[]> round = InProcessRound.open(new float[1], 3, 3, OrderedSumTest::add)) {
            params = round.parameters();
            ids.foreachPartition(round.parking(it -> it.next() == 1 ? Collections.emptyIterator()
                    : List.of(new float[] {1f}).iterator()));
            IllegalStateException e = assertThrows(IllegalStateException.class, round::sum);
            assertTrue(e.getMessage().startsWith("partition 1 of 3 handed no result"), e.getMessage());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, params::value);
        assertTrue(e.getMessage().contains("is not open in this JVM"), e.getMessage());
    }

    private static float[] add(float[] a, float[] b) {
        return new float[] {a[0] + b[0]};
    }
}

package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.sparkft.spark.testing.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Partition results are summed in partition order, whatever order the tasks finish in. */
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
        float sum = OrderedSum.of(partials, (a, b) -> new float[] {a[0] + b[0]})[0];
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
                    Float.floatToIntBits(OrderedSum.of(partials, (a, b) -> new float[] {a[0] + b[0]})[0]));
        }
    }
}

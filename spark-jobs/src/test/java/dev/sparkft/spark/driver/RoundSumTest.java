package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.hf.HalfFloats;
import dev.sparkft.model.LossSum;
import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.executor.InProcessRound;
import dev.sparkft.spark.executor.PartialSum;
import dev.sparkft.spark.executor.PartitionOrderFold;
import dev.sparkft.spark.executor.RoundParameters;
import dev.sparkft.spark.executor.RoundVectors;
import dev.sparkft.spark.executor.WirePrecision;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * A round's sum, the same bits on every path: in-process (local mode, by reference) and the cluster's broadcast +
 * reduce-scatter (run here in local mode through Spark's real broadcast and shuffle), with one slice per partition
 * or many small chunks, fp32 or bf16 on the wire, whatever order the partitions finish in.
 */
class RoundSumTest {
    private static final int LENGTH = 37;

    /**
     * Partition p's vector: values whose float sum depends on the order (1e8 cancels small terms unless it has
     * cancelled first), scaled by the parameter each task received.
     */
    private static float value(int partition, int i, float parameter) {
        float base = switch ((partition + i) % 3) {
            case 0 -> 3.3f + partition + i * 0.01f;
            case 1 -> 1e8f;
            default -> -1e8f;
        };
        return base * parameter;
    }

    private static float[] parameters() {
        float[] p = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            p[i] = 1f + i / 7f; // not bf16 values: the bf16 wire must round them
        }
        return p;
    }

    /** The identities of the vectors the tasks of {@link #round} took (tasks run in this JVM). */
    private static final Set<Integer> TAKEN = ConcurrentHashMap.newKeySet();

    /**
     * Runs a round over {@code partitions} partitions whose later partitions finish first; each task fills a
     * vector from {@link RoundVectors}, as the real workers do.
     */
    private static PartialSum round(int partitions, Communication communication, boolean inProcess) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        JavaPairRDD<Long, Integer> rows = sc.parallelizePairs(IntStream.range(0, partitions)
                .mapToObj(p -> new Tuple2<>((long) p, p)).toList(), partitions);
        return RoundRunner.sum(sc, rows, parameters(), communication, params -> it -> {
            int p = it.next()._2();
            Thread.sleep((partitions - p) * 20L);
            float[] received = params.value();
            float[] v = RoundVectors.take(received.length);
            TAKEN.add(System.identityHashCode(v));
            for (int i = 0; i < v.length; i++) {
                v[i] += value(p, i, received[i]); // += : a reused vector must arrive zeroed
            }
            return List.of(new PartialSum(v, new LossSum(p + 1, 2), 2, 1000L * p, -1).pooledVector()).iterator();
        }, inProcess);
    }

    /** The sum by hand: parameters and each partition's vector rounded to the wire, added in partition order. */
    private static float[] expected(int partitions, WirePrecision wire) {
        float[] params = parameters();
        wire.round(params);
        float[] sum = new float[LENGTH];
        for (int p = 0; p < partitions; p++) {
            float[] v = new float[LENGTH];
            for (int i = 0; i < LENGTH; i++) {
                v[i] = value(p, i, params[i]);
            }
            wire.round(v);
            for (int i = 0; i < LENGTH; i++) {
                sum[i] = p == 0 ? v[i] : sum[i] + v[i];
            }
        }
        wire.round(sum);
        return sum;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7})
    void inProcessAndReduceScatterGiveTheSameBitsForAnyChunkSize(int partitions) {
        for (WirePrecision wire : WirePrecision.values()) {
            float[] expected = expected(partitions, wire);
            PartialSum local = round(partitions, new Communication(wire, Communication.DEFAULT_CHUNK_BYTES), true);
            assertBits(expected, local.vector(), wire + ", in process");
            local.release();
            // One slice per partition; then 16-byte chunks: 10 (fp32) or 19 (bf16) slices and parameter broadcasts.
            for (long chunk : new long[] {Communication.DEFAULT_CHUNK_BYTES, 16}) {
                PartialSum cluster = round(partitions, new Communication(wire, chunk), false);
                assertBits(expected, cluster.vector(), wire + ", reduce-scatter, chunks of " + chunk + " bytes");
                assertEquals(local.lossSum(), cluster.lossSum());
                assertEquals(2L * partitions, cluster.examples());
                assertEquals(partitions, cluster.contributors());
                assertEquals(1000L * (partitions - 1), cluster.computeNanos());
                cluster.release();
            }
        }
        // The checks can fail: another order, or no rounding, gives other bits.
        float[] reversed = new float[LENGTH];
        for (int p = partitions - 1; p >= 0; p--) {
            for (int i = 0; i < LENGTH; i++) {
                reversed[i] = p == partitions - 1 ? value(p, i, parameters()[i]) : reversed[i] + value(p, i, parameters()[i]);
            }
        }
        if (partitions > 2) {
            assertNotEquals(bits(expected(partitions, WirePrecision.FP32)), bits(reversed));
        }
        assertNotEquals(bits(expected(partitions, WirePrecision.FP32)), bits(expected(partitions, WirePrecision.BF16)));
    }

    /**
     * The round's vectors are reused: after a first round has given its vectors back (the fold the one it added,
     * the slicer its own, the caller the sum), a second round of the same shape takes no new one, on both paths,
     * and its sum still has the right bits (the vectors arrive zeroed and are not shared between partitions).
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void laterRoundsReuseTheFirstRoundsVectors(boolean inProcess) {
        Communication communication = new Communication(WirePrecision.FP32, Communication.DEFAULT_CHUNK_BYTES);
        TAKEN.clear();
        PartialSum firstSum = round(2, communication, inProcess);
        TAKEN.add(System.identityHashCode(firstSum.vector()));
        firstSum.release();
        Set<Integer> first = Set.copyOf(TAKEN);
        TAKEN.clear();
        for (int r = 0; r < 3; r++) {
            PartialSum sum = round(2, communication, inProcess);
            assertBits(expected(2, WirePrecision.FP32), sum.vector(), "round " + r);
            TAKEN.add(System.identityHashCode(sum.vector()));
            sum.release();
        }
        // In process the sum is partition 0's vector; the reduce-scatter's driver assembles the sum in a third
        // (fewer when a task takes a vector another gave back earlier in the round).
        assertTrue(TAKEN.size() <= (inProcess ? 2 : 3), "vectors used by three rounds: " + TAKEN);
        assertTrue(first.containsAll(TAKEN), "later rounds took the first round's vectors: " + first + " vs " + TAKEN);
    }

    @Test
    void bf16TravelsInHalfTheBytes() {
        TestSpark.session();
        SerializerInstance kryo = SparkEnv.get().serializer().newInstance();
        float[] v = new float[10_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i) * 1e-3f;
        }
        long[] sizes = new long[2];
        for (WirePrecision wire : WirePrecision.values()) {
            PartialSum sum = new PartialSum(v.clone(), new LossSum(1, 1), 1, 0, -1).roundForWire(wire);
            ByteBuffer bytes = kryo.serialize(sum, ClassTag$.MODULE$.apply(PartialSum.class));
            sizes[wire.ordinal()] = bytes.remaining();
            PartialSum back = kryo.deserialize(bytes, ClassTag$.MODULE$.apply(PartialSum.class));
            assertBits(sum.vector(), back.vector(), wire + " Kryo round trip");
            assertEquals(sum.lossSum(), back.lossSum());
        }
        System.out.printf("10,000 values: fp32 %d bytes, bf16 %d bytes%n", sizes[0], sizes[1]);
        assertTrue(sizes[0] >= 40_000 && sizes[0] < 40_200, "fp32: " + sizes[0]);
        assertTrue(sizes[1] >= 20_000 && sizes[1] < 20_200, "bf16: " + sizes[1]);
        // bf16 rounding is to nearest: 1 + 2^-8 is a tie and goes to even (1), 1 + 3 * 2^-9 rounds up.
        float[] ties = {1f + 0x1p-8f, 1f + 3 * 0x1p-9f};
        WirePrecision.BF16.round(ties);
        assertArrayEquals(new float[] {1f, 1f + 0x1p-7f}, ties);
        assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(0.1f)), 0.10009765625f);
        // The fast rounding gives HalfFloats' (the safetensors reader's, tested on its own) for any bits but NaN's.
        java.util.Random random = new java.util.Random(18);
        float[] any = new float[200_000];
        for (int i = 0; i < any.length; i++) {
            any[i] = Float.intBitsToFloat(random.nextInt());
        }
        float[] rounded = any.clone();
        WirePrecision.BF16.round(rounded);
        for (int i = 0; i < any.length; i++) {
            assertEquals(Float.floatToRawIntBits(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(any[i]))),
                    Float.floatToRawIntBits(rounded[i]), "bits " + Integer.toHexString(Float.floatToRawIntBits(any[i])));
        }
    }

    @Test
    void theInProcessRoundReadsTheDriversArrayAndNamesAMissingPartition() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        float[] parameters = {0.5f};
        int driverArray = System.identityHashCode(parameters);
        RoundParameters params;
        try (InProcessRound<float[]> round = InProcessRound.open(parameters, 3, RoundSumTest::add)) {
            params = round.parameters();
            sc.parallelize(List.of(0, 1, 2), 3).foreachPartition(round.parking(it -> {
                int p = it.next();
                assertEquals(driverArray, System.identityHashCode(params.value()), "no copy");
                return p == 1 ? Collections.emptyIterator() : List.of(new float[] {1f}).iterator();
            }));
            IllegalStateException e = assertThrows(IllegalStateException.class, round::sum);
            assertTrue(e.getMessage().startsWith("partition 1 of 3 handed no result"), e.getMessage());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, params::value);
        assertTrue(e.getMessage().contains("is not open in this JVM"), e.getMessage());
    }

    @Test
    void theFoldRefusesASecondResultOfAPartition() throws Exception {
        PartitionOrderFold<float[]> fold = new PartitionOrderFold<>(2, RoundSumTest::add);
        fold.add(1, new float[] {1f});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fold.add(1, new float[] {2f}));
        assertTrue(e.getMessage().contains("partition 1 handed a second result"), e.getMessage());
        fold.add(0, new float[] {2f});
        assertEquals(3f, fold.result()[0]);
    }

    private static float[] add(float[] a, float[] b) {
        return new float[] {a[0] + b[0]};
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToIntBits(v[i]);
        }
        return b;
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        assertArrayEquals(bits(expected), bits(actual), what);
    }
}

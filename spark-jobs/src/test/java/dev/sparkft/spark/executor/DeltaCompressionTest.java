package dev.sparkft.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.LossSum;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * int8 blocks and top-k with error feedback, each against a plain second implementation (double arithmetic,
 * a full sort), and their wire format: what Kryo carries decodes to the same bits, slice by slice.
 */
class DeltaCompressionTest {
    private static final int N = 10_007; // not a multiple of the block size: a short last block

    private static float[] vector(long seed) {
        Random r = new Random(seed);
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            // Magnitudes over six decades, some exact zeros and repeated values (top-k ties).
            v[i] = i % 97 == 0 ? 0f : i % 89 == 0 ? 0.5f : (float) (r.nextGaussian() * Math.pow(10, -r.nextInt(6)));
        }
        return v;
    }

    @Test
    void int8MatchesADoublePrecisionReferenceAndFeedsTheErrorBack() {
        DeltaCompression int8 = new DeltaCompression(DeltaCompression.Kind.INT8, 64, 0.01);
        float[] v = vector(1);
        float[] residual = vector(2);
        for (int i = 0; i < N; i++) {
            residual[i] *= 1e-3f;
        }
        float[] u = new float[N];
        for (int i = 0; i < N; i++) {
            u[i] = v[i] + residual[i];
        }
        float[] c = v.clone();
        float[] r = residual.clone();
        DeltaCompression.Result result = int8.compress(c, r);

        int blocks = (N + 63) / 64;
        assertEquals(blocks, result.scales().length);
        assertEquals(N + 4L * blocks, result.wireBytes());
        double squares = 0;
        for (int b = 0; b < blocks; b++) {
            double max = 0;
            for (int i = b * 64; i < Math.min(N, b * 64 + 64); i++) {
                max = Math.max(max, Math.abs((double) u[i]));
            }
            double scale = max / 127;
            assertEquals(scale, result.scales()[b], 1e-7 * scale, "scale of block " + b);
            for (int i = b * 64; i < Math.min(N, b * 64 + 64); i++) {
                double q = scale == 0 ? 0 : Math.rint(u[i] / scale);
                assertTrue(Math.abs(q) <= 127, "q in range");
                assertEquals(q * scale, c[i], 1e-6 * max, "decoded value " + i);
                // Error feedback: what was not sent is kept, to float rounding of u - c.
                assertEquals((double) u[i] - c[i], r[i], Math.ulp(u[i]), "residual " + i);
                assertTrue(Math.abs(r[i]) <= 0.5 * scale * (1 + 1e-6), "at most half a step left out at " + i);
                squares += (double) r[i] * r[i];
            }
        }
        assertEquals(squares, result.residualSquares(), 1e-9 * squares);
    }

    @Test
    void topkKeepsTheLargestMagnitudesTiesToTheLowerIndex() {
        DeltaCompression topk = new DeltaCompression(DeltaCompression.Kind.TOPK, 256, 0.03);
        float[] v = vector(3);
        float[] c = v.clone();
        float[] r = new float[N];
        DeltaCompression.Result result = topk.compress(c, r);

        int k = (int) Math.ceil(0.03 * N);
        assertEquals(8L * k, result.wireBytes());
        // Reference: a stable sort by magnitude, descending.
        List<Integer> order = new ArrayList<>(IntStream.range(0, N).boxed().toList());
        order.sort(Comparator.comparingDouble((Integer i) -> -Math.abs(v[i])));
        boolean[] kept = new boolean[N];
        order.subList(0, k).forEach(i -> kept[i] = true);
        int ties = 0;
        for (int i = 0; i < N; i++) {
            if (kept[i]) {
                assertEquals(v[i], c[i], "kept value " + i);
                assertEquals(0f, r[i], "nothing left of a kept value " + i);
            } else {
                assertEquals(0f, c[i], "dropped value " + i);
                assertEquals(v[i], r[i], "a dropped value stays in the residual " + i);
            }
            ties += Math.abs(v[i]) == 0.5f ? 1 : 0;
        }
        assertTrue(ties > 100, "the data has ties at the threshold's neighbourhood: " + ties);

        // Error feedback over rounds: a value too small to be sent alone is sent once it has accumulated.
        float[] small = new float[1000];
        small[0] = 1f;
        small[1] = 0.3f;
        float[] residual = new float[1000];
        DeltaCompression one = new DeltaCompression(DeltaCompression.Kind.TOPK, 256, 0.001);
        float[] first = small.clone();
        one.compress(first, residual);
        assertEquals(1f, first[0]);
        assertEquals(0.3f, residual[1]);
        float[] second = new float[1000];
        second[0] = 0.1f;
        second[1] = 0.3f;
        one.compress(second, residual);
        assertEquals(0.6f, second[1], 1e-7, "0.3 carried over plus 0.3 new");
        assertEquals(0.1f, residual[0]);
    }

    @Test
    void theWireCarriesExactlyTheDecodedValuesSliceBySlice() {
        TestSpark.session();
        SerializerInstance kryo = SparkEnv.get().serializer().newInstance();
        for (DeltaCompression z : List.of(new DeltaCompression(DeltaCompression.Kind.INT8, 64, 0.01),
                new DeltaCompression(DeltaCompression.Kind.TOPK, 256, 0.05))) {
            float[] c = vector(4);
            DeltaCompression.Result result = z.compress(c, new float[N]);
            PartialSum sum = new PartialSum(c.clone(), new LossSum(2, 3), 3, 0, -1).compressed(z, result)
                    .roundForWire(WirePrecision.BF16); // a compressed vector keeps its encoding
            assertArrayEquals(c, sum.vector(), z.kind() + ": bf16 rounding leaves an encoded vector alone");

            Slices slices = Slices.of(N, 7, 1000, z.alignment());
            List<PartialSum> back = new ArrayList<>();
            long bytes = 0;
            for (int s = 0; s < slices.count(); s++) {
                if (z.alignment() > 1) {
                    assertEquals(0, slices.from(s) % z.alignment(), "slice " + s + " starts on a block");
                }
                PartialSum slice = sum.slice(slices.from(s), slices.to(s), s == 0);
                ByteBuffer wire = kryo.serialize(slice, ClassTag$.MODULE$.apply(PartialSum.class));
                bytes += wire.remaining();
                back.add(kryo.deserialize(wire, ClassTag$.MODULE$.apply(PartialSum.class)));
            }
            PartialSum whole = PartialSum.concat(back, N);
            for (int i = 0; i < N; i++) {
                assertEquals(Float.floatToRawIntBits(c[i]), Float.floatToRawIntBits(whole.vector()[i]),
                        z.kind() + " value " + i);
            }
            assertEquals(result.wireBytes(), whole.compressedBytes());
            assertEquals(new LossSum(2, 3), whole.lossSum());
            // The encoding, not 4 bytes a value: at most 150 bytes of framing (scalars, class name) per slice.
            System.out.printf("%s: %d values in %d slices, %d bytes on the wire (fp32: %d)%n", z.kind(), N,
                    slices.count(), bytes, 4L * N);
            assertTrue(bytes <= result.wireBytes() + 150L * slices.count(), z.kind() + ": " + bytes + " bytes");
            whole.release();
        }
    }

    @Test
    void badSettingsNameTheirKeys() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new DeltaCompression(DeltaCompression.Kind.INT8, 4, 0.01)).getMessage()
                .contains("training.communication.compression.blockSize"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new DeltaCompression(DeltaCompression.Kind.TOPK, 256, 0)).getMessage()
                .contains("training.communication.compression.fraction"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DeltaCompression.Kind.parse("fp8", "training.communication.compression.type")).getMessage()
                .contains("none, int8 or topk"));
    }
}

package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Each update rule against a plain-Java double-precision implementation of PyTorch's formulas written
 * here, over several steps with a warmup + cosine schedule (so update 0 has lr 0), a decay mask and a
 * frozen segment that receives a non-zero gradient (which must be ignored).
 */
class OptimizersTest {
    /** w1 decayed, b1 not, a frozen decayed block between them and w2/b2: five runs, two of them decayed. */
    private static final ParameterLayout LAYOUT = ParameterLayout.builder()
            .add("w1", new long[] {3, 4}, true)
            .add("b1", new long[] {4}, false)
            .add("frozen", new long[] {5}, true)
            .add("w2", new long[] {2, 3}, true)
            .add("b2", new long[] {3}, false)
            .build()
            .freeze(name -> name.equals("frozen"));
    private static final int N = LAYOUT.size();
    private static final int STEPS = 8;
    private static final ScheduleConfig SCHEDULE = new ScheduleConfig("cosine", 2, 10, 0.1);

    private static OptimizerConfig config(String type) {
        return new OptimizerConfig(type, 0.05, 0.9, 0.9, 0.999, 1e-8, 0.1, SCHEDULE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "nesterov", "adam", "adamw"})
    void matchesDoublePrecisionReference(String type) {
        OptimizerConfig config = config(type);
        Optimizer optimizer = Optimizers.create(config, LAYOUT);
        Reference reference = new Reference(config);
        Random random = new Random(7);
        float[] start = randoms(random, 1.0f);
        INDArray params = Nd4j.createFromArray(start.clone());
        double[] expected = toDouble(start);
        for (int step = 0; step < STEPS; step++) {
            float[] g = randoms(random, 0.5f);
            optimizer.step(params, Nd4j.createFromArray(g));
            reference.step(expected, toDouble(g), step);
        }
        assertEquals(STEPS, optimizer.stepCount());
        float[] actual = params.toFloatVector();
        ParameterSegment frozen = LAYOUT.segment("frozen");
        double maxMove = 0;
        for (int i = 0; i < N; i++) {
            if (i >= frozen.offset() && i < frozen.end()) {
                assertEquals(start[i], actual[i], 0.0, "frozen parameter " + i + " changed");
            } else {
                maxMove = Math.max(maxMove, Math.abs(expected[i] - start[i]));
                assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])),
                        type + " parameter " + i);
            }
        }
        assertTrue(maxMove > 0.05, "the reference moved parameters by only " + maxMove);
        for (Map.Entry<String, float[]> buffer : optimizer.state().buffers().entrySet()) {
            double[] ref = reference.buffers.get(buffer.getKey());
            double scale = java.util.Arrays.stream(ref).map(Math::abs).max().orElseThrow();
            assertTrue(scale > 0, buffer.getKey() + " stayed zero");
            for (int i = 0; i < N; i++) {
                // Relative to the buffer's largest value: exp_avg_sq is ~1e-3, the momentum buffer ~1.
                assertEquals(ref[i], buffer.getValue()[i], 1e-6 * scale,
                        type + " " + buffer.getKey() + "[" + i + "]");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "nesterov", "adam", "adamw"})
    void restoredStateContinuesBitIdentically(String type) {
        Random random = new Random(11);
        float[] start = randoms(random, 1.0f);
        float[][] grads = new float[10][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = randoms(random, 0.5f);
        }
        Optimizer straight = Optimizers.create(config(type), LAYOUT);
        INDArray p1 = Nd4j.createFromArray(start.clone());
        for (float[] g : grads) {
            straight.step(p1, Nd4j.createFromArray(g));
        }

        Optimizer first = Optimizers.create(config(type), LAYOUT);
        INDArray p2 = Nd4j.createFromArray(start.clone());
        for (int i = 0; i < 5; i++) {
            first.step(p2, Nd4j.createFromArray(grads[i]));
        }
        OptimizerState saved = first.state();
        Optimizer resumed = Optimizers.create(config(type), LAYOUT);
        resumed.restore(saved);
        assertEquals(5, resumed.stepCount());
        for (int i = 5; i < 10; i++) {
            resumed.step(p2, Nd4j.createFromArray(grads[i]));
        }
        assertArrayEquals(p1.toFloatVector(), p2.toFloatVector(), type);
        OptimizerState a = straight.state();
        OptimizerState b = resumed.state();
        assertEquals(a.step(), b.step());
        assertEquals(a.buffers().keySet(), b.buffers().keySet());
        a.buffers().forEach((k, v) -> assertArrayEquals(v, b.buffers().get(k), k));
    }

    /** Parameters and gradient may be views into larger buffers (an offset into the native memory). */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "nesterov", "adamw"})
    void updatesViewsLikeWholeArrays(String type) {
        Random random = new Random(5);
        float[] start = randoms(random, 1f);
        float[] g = randoms(random, 1f);
        Optimizer plain = Optimizers.create(config(type), LAYOUT);
        INDArray p1 = Nd4j.createFromArray(start.clone());
        Optimizer onViews = Optimizers.create(config(type), LAYOUT);
        float[] padded = new float[N + 10];
        System.arraycopy(start, 0, padded, 7, N);
        INDArray big = Nd4j.createFromArray(padded);
        INDArray p2 = big.get(NDArrayIndex.interval(7, 7 + N));
        INDArray g2 = Nd4j.createFromArray(new float[N + 3]).get(NDArrayIndex.interval(3, 3 + N)).assign(Nd4j.createFromArray(g));
        for (int i = 0; i < 3; i++) {
            plain.step(p1, Nd4j.createFromArray(g));
            onViews.step(p2, g2);
        }
        assertArrayEquals(p1.toFloatVector(), p2.toFloatVector(), type);
        assertEquals(0f, big.getFloat(6), 0f);
        assertEquals(0f, big.getFloat(7 + N), 0f);
    }

    @Test
    void stateIsACopy() {
        Optimizer adam = Optimizers.create(config("adam"), LAYOUT);
        INDArray p = Nd4j.createFromArray(new float[N]);
        adam.step(p, Nd4j.createFromArray(randoms(new Random(1), 1f)));
        OptimizerState s = adam.state();
        float before = s.buffers().get("exp_avg")[0];
        adam.step(p, Nd4j.createFromArray(randoms(new Random(2), 1f)));
        assertEquals(before, s.buffers().get("exp_avg")[0]);
    }

    @Test
    void restoreRejectsAnotherOptimizerOrModel() {
        Optimizer adamw = Optimizers.create(config("adamw"), LAYOUT);
        OptimizerState momentum = Optimizers.create(config("momentum"), LAYOUT).state();
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class, () -> adamw.restore(momentum));
        assertTrue(wrongType.getMessage().contains("'momentum'") && wrongType.getMessage().contains("'adamw'"),
                wrongType.getMessage());

        OptimizerState shorter = new OptimizerState("adamw", 3,
                Map.of("exp_avg", new float[N - 1], "exp_avg_sq", new float[N - 1]));
        IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class, () -> adamw.restore(shorter));
        assertTrue(wrongLength.getMessage().contains((N - 1) + " values") && wrongLength.getMessage().contains(N + " parameters"),
                wrongLength.getMessage());

        OptimizerState missing = new OptimizerState("adamw", 3, Map.of("exp_avg", new float[N]));
        assertThrows(IllegalArgumentException.class, () -> adamw.restore(missing));
        assertEquals(0, adamw.stepCount(), "a rejected restore must leave the optimizer as it was");
    }

    @Test
    void stepRejectsWrongLengthOrType() {
        Optimizer sgd = Optimizers.create(config("sgd"), LAYOUT);
        INDArray p = Nd4j.createFromArray(new float[N]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sgd.step(p, Nd4j.createFromArray(new float[N + 1])));
        assertTrue(e.getMessage().contains("gradient") && e.getMessage().contains("length " + N), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sgd.step(p, Nd4j.createFromArray(new double[N])));
    }

    private static float[] randoms(Random random, float scale) {
        float[] a = new float[N];
        for (int i = 0; i < N; i++) {
            a[i] = (float) (random.nextGaussian() * scale);
        }
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** PyTorch's update rules written out element by element in double (torch.optim.SGD / Adam / AdamW). */
    private static final class Reference {
        final OptimizerConfig c;
        final Map<String, double[]> buffers;

        Reference(OptimizerConfig c) {
            this.c = c;
            this.buffers = switch (c.type()) {
                case "sgd" -> Map.of();
                case "momentum", "nesterov" -> Map.of("momentum_buffer", new double[N]);
                default -> Map.of("exp_avg", new double[N], "exp_avg_sq", new double[N]);
            };
        }

        /** The schedule written independently: warmup 2 steps, cosine to 10 % at step 10. */
        double lr(int step) {
            double base = c.learningRate();
            if (step < 2) {
                return base * step / 2.0;
            }
            double progress = Math.min(1.0, (step - 2) / 8.0);
            return base * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
        }

        void step(double[] p, double[] g, int step) {
            double lr = lr(step);
            int t = step + 1;
            for (ParameterSegment s : LAYOUT.segments()) {
                if (!s.trainable()) {
                    continue;
                }
                for (int i = (int) s.offset(); i < s.end(); i++) {
                    switch (c.type()) {
                        case "sgd" -> p[i] -= lr * g[i];
                        case "momentum", "nesterov" -> {
                            double[] buf = buffers.get("momentum_buffer");
                            buf[i] = c.momentum() * buf[i] + g[i];
                            double d = c.type().equals("nesterov") ? g[i] + c.momentum() * buf[i] : buf[i];
                            p[i] -= lr * d;
                        }
                        default -> {
                            if (c.type().equals("adamw") && s.decay()) {
                                p[i] *= 1 - lr * c.weightDecay();
                            }
                            double[] m = buffers.get("exp_avg");
                            double[] v = buffers.get("exp_avg_sq");
                            m[i] = c.beta1() * m[i] + (1 - c.beta1()) * g[i];
                            v[i] = c.beta2() * v[i] + (1 - c.beta2()) * g[i] * g[i];
                            double mHat = m[i] / (1 - Math.pow(c.beta1(), t));
                            double vHat = v[i] / (1 - Math.pow(c.beta2(), t));
                            p[i] -= lr * mHat / (Math.sqrt(vHat) + c.epsilon());
                        }
                    }
                }
            }
        }
    }
}

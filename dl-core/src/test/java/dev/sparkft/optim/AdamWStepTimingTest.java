package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.ParameterLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One AdamW step on a MiniLM-sized vector (22.7M parameters, alternating decayed weight / no-decay bias
 * segments): reports the median of 20 steps and fails only if it is pathologically slow (an allocation or
 * per-element path), since machines running this vary. The same with two parameter groups (every other layer at
 * another learning rate, so each run is its own group) is reported next to it, steps interleaved.
 */
class AdamWStepTimingTest {

    @Test
    void adamWStepOnMiniLmSizedVector() {
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (int layer = 0; layer < 100; layer++) {
            b.add("w" + layer, new long[] {384, 590}, true).add("b" + layer, new long[] {590}, false);
        }
        ParameterLayout layout = b.build();
        OptimizerConfig plain = OptimizerConfig.adamW(2e-5, 0.01, ScheduleConfig.constant());
        OptimizerConfig grouped = plain.withParameterGroups(java.util.List.of(
                new ParameterGroup("odd", "^[wb]\\d*[13579]$", 1e-5, 0)));
        Optimizer[] optimizers = {Optimizers.create(plain, layout), Optimizers.create(grouped, layout)};
        INDArray[] params = {Nd4j.rand(DataType.FLOAT, layout.size()), Nd4j.rand(DataType.FLOAT, layout.size())};
        INDArray gradient = Nd4j.rand(DataType.FLOAT, layout.size()).subi(0.5);
        long[][] nanos = new long[2][20];
        for (int i = -3; i < 20; i++) {
            for (int o = 0; o < 2; o++) {
                long t0 = System.nanoTime();
                optimizers[o].step(params[o], gradient);
                if (i >= 0) {
                    nanos[o][i] = System.nanoTime() - t0;
                }
            }
        }
        for (int o = 0; o < 2; o++) {
            long[] n = nanos[o];
            Arrays.sort(n);
            double medianMs = (n[9] + n[10]) / 2e6;
            System.out.printf("AdamW step%s, %d parameters: median %.1f ms (min %.1f, max %.1f) over 20 steps,"
                    + " OMP_NUM_THREADS=%s%n", o == 0 ? "" : " with 2 parameter groups", layout.size(), medianMs,
                    n[0] / 1e6, n[19] / 1e6, System.getenv("OMP_NUM_THREADS"));
            assertTrue(Float.isFinite(params[o].sumNumber().floatValue()));
            assertTrue(medianMs < 3000, "AdamW step took " + medianMs + " ms");
        }
    }
}

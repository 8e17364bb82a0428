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
 * per-element path), since machines running this vary.
 */
class AdamWStepTimingTest {

    @Test
    void adamWStepOnMiniLmSizedVector() {
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (int layer = 0; layer < 100; layer++) {
            b.add("w" + layer, new long[] {384, 590}, true).add("b" + layer, new long[] {590}, false);
        }
        ParameterLayout layout = b.build();
        Optimizer adamw = Optimizers.create(OptimizerConfig.adamW(2e-5, 0.01, ScheduleConfig.constant()), layout);
        INDArray params = Nd4j.rand(DataType.FLOAT, layout.size());
        INDArray gradient = Nd4j.rand(DataType.FLOAT, layout.size()).subi(0.5);
        long[] nanos = new long[20];
        for (int i = -3; i < nanos.length; i++) {
            long t0 = System.nanoTime();
            adamw.step(params, gradient);
            if (i >= 0) {
                nanos[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(nanos);
        double medianMs = (nanos[9] + nanos[10]) / 2e6;
        System.out.printf("AdamW step, %d parameters: median %.1f ms (min %.1f, max %.1f) over 20 steps, OMP_NUM_THREADS=%s%n",
                layout.size(), medianMs, nanos[0] / 1e6, nanos[19] / 1e6, System.getenv("OMP_NUM_THREADS"));
        assertTrue(Float.isFinite(params.sumNumber().floatValue()));
        assertTrue(medianMs < 3000, "AdamW step took " + medianMs + " ms");
    }
}

package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam with bias correction, and AdamW (PyTorch semantics: {@code p *= 1 - lr*wd} on decayed segments,
 * then the Adam step). One pass over the ND4J arrays' host memory per step: each element's moments and
 * parameter are read and written once, nothing is allocated.
 *
 * <p>Why not ND4J ops: the fused {@code adam_updater} forms {@code 1 - beta2} in float from a float beta2
 * (0.999f gives 0.00099998713, 1.3e-5 off), which moved parameters 1.3e-6 from PyTorch's update in eight
 * steps, and takes 10 passes over memory with the decay and subtraction; nine in-place ND4J ops cost
 * the same. On 22.7M parameters both took 250-330 ms per step against 95-125 ms for this loop (2 cores).
 * The arrays are synchronised to and tagged on the host, so a device backend sees the update.
 */
final class AdamOptimizer extends FlatOptimizer {
    /** Elements per parallel task: large enough to amortise scheduling, small enough to balance. */
    private static final int CHUNK = 1 << 20;

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final INDArray expAvg;
    private final INDArray expAvgSq;
    private final List<ParameterRanges.Run> chunks = new ArrayList<>();

    /** {@code weightDecay} 0 gives Adam; above 0 decoupled (AdamW) decay on the layout's decayed segments. */
    AdamOptimizer(String name, ParameterLayout layout, OptimizerConfig config,
            double beta1, double beta2, double epsilon, double weightDecay) {
        super(name, layout, config);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.expAvg = stateBuffer("exp_avg");
        this.expAvgSq = stateBuffer("exp_avg_sq");
        for (ParameterRanges.Run r : ranges.trainableByDecay()) {
            for (int start = r.start(); start < r.end(); start += CHUNK) {
                chunks.add(new ParameterRanges.Run(start, Math.min(r.end(), start + CHUNK), r.decay(), r.group()));
            }
        }
    }

    @Override
    void update(INDArray params, INDArray gradient, double[] lr, long[] count) {
        int groups = lr.length;
        float[] keep = new float[groups];
        float[] stepSize = new float[groups];
        float[] eps = new float[groups];
        for (int g = 0; g < groups; g++) {
            if (count[g] == 0) {
                continue;
            }
            // Bias correction by the group's own update count, as PyTorch's per-parameter state['step'].
            double bc1 = 1 - Math.pow(beta1, count[g]);
            double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, count[g]));
            // lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps) == stepSize * m / (sqrt(v) + eps*sqrt(bc2)), as PyTorch's
            // capturable form; coefficients are formed in double and rounded to float once.
            keep[g] = (float) (1 - lr[g] * weightDecay);
            stepSize[g] = (float) (lr[g] * sqrtBc2 / bc1);
            eps[g] = (float) (epsilon * sqrtBc2);
        }
        Kernel k = new Kernel((float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2),
                keep, stepSize, eps, host(params), (int) params.offset(), host(gradient), (int) gradient.offset(),
                host(expAvg), host(expAvgSq));
        // Chunks of a frozen group are skipped whole: neither their parameters nor their moments are touched.
        chunks.parallelStream().filter(c -> count[c.group()] > 0).forEach(k::apply);
        AffinityManager affinity = Nd4j.getAffinityManager();
        for (INDArray written : new INDArray[] {params, expAvg, expAvgSq}) {
            affinity.tagLocation(written, AffinityManager.Location.HOST);
        }
    }

    private static FloatBuffer host(INDArray a) {
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        return a.data().asNioFloat();
    }

    /**
     * One step's coefficients (per group: decay factor, step size, epsilon) and buffers; {@code apply} updates
     * a chunk with its group's coefficients, read once per chunk (disjoint chunks run in parallel).
     */
    private record Kernel(float b1, float c1, float b2, float c2, float[] keeps, float[] stepSizes, float[] epss,
            FloatBuffer p, int pOffset, FloatBuffer g, int gOffset, FloatBuffer m, FloatBuffer v) {

        void apply(ParameterRanges.Run run) {
            float decay = run.decay() ? keeps[run.group()] : 1f;
            float stepSize = stepSizes[run.group()];
            float eps = epss[run.group()];
            for (int i = run.start(); i < run.end(); i++) {
                float gi = g.get(gOffset + i);
                float mi = b1 * m.get(i) + c1 * gi;
                float vi = b2 * v.get(i) + c2 * gi * gi;
                m.put(i, mi);
                v.put(i, vi);
                p.put(pOffset + i, p.get(pOffset + i) * decay - stepSize * mi / ((float) Math.sqrt(vi) + eps));
            }
        }
    }
}

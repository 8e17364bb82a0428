package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SGD with heavy-ball momentum in PyTorch's convention (no dampening): {@code v = mu*v + g}, then
 * {@code p -= lr*v}, or with Nesterov {@code p -= lr*(g + mu*v)}. The learning rate stays outside the
 * velocity, so a schedule changes the step size without rescaling the history (unlike DL4J's Nesterovs).
 */
final class MomentumOptimizer extends FlatOptimizer {
    private final double momentum;
    private final boolean nesterov;
    private final List<INDArray> velocity;

    MomentumOptimizer(ParameterLayout layout, OptimizerConfig config, double momentum, boolean nesterov) {
        super(nesterov ? "nesterov" : "momentum", layout, config);
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.velocity = ranges.trainable(stateBuffer("momentum_buffer"));
    }

    @Override
    void update(INDArray params, INDArray gradient, double[] lrs, long[] count) {
        List<ParameterRanges.Run> runs = ranges.trainableRuns();
        List<INDArray> p = ranges.trainable(params);
        List<INDArray> g = ranges.trainable(gradient);
        for (int i = 0; i < p.size(); i++) {
            int group = runs.get(i).group();
            if (count[group] == 0) {
                continue;
            }
            double lr = lrs[group];
            INDArray v = velocity.get(i);
            v.muli(momentum).addi(g.get(i));
            if (nesterov) {
                // p -= lr*g + lr*mu*v, as two in-place axpys instead of a temporary g + mu*v.
                Nd4j.getExecutioner().exec(new Axpy(g.get(i), p.get(i), p.get(i), -lr));
                Nd4j.getExecutioner().exec(new Axpy(v, p.get(i), p.get(i), -lr * momentum));
            } else {
                Nd4j.getExecutioner().exec(new Axpy(v, p.get(i), p.get(i), -lr));
            }
        }
    }
}

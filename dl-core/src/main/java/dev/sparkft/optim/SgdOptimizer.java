package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/** Plain SGD: {@code p -= lr * g} on trainable parameters (one in-place axpy per run, no state). */
final class SgdOptimizer extends FlatOptimizer {

    SgdOptimizer(ParameterLayout layout, OptimizerConfig config) {
        super("sgd", layout, config);
    }

    @Override
    void update(INDArray params, INDArray gradient, double[] lr, long[] count) {
        List<ParameterRanges.Run> runs = ranges.trainableRuns();
        List<INDArray> p = ranges.trainable(params);
        List<INDArray> g = ranges.trainable(gradient);
        for (int i = 0; i < p.size(); i++) {
            int group = runs.get(i).group();
            if (count[group] > 0) {
                Nd4j.getExecutioner().exec(new Axpy(g.get(i), p.get(i), p.get(i), -lr[group]));
            }
        }
    }
}

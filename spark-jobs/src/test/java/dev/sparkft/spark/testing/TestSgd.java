package dev.sparkft.spark.testing;

import dev.sparkft.optim.Optimizer;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.OptimizerState;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test-scope SGD (plain, momentum, nesterov; constant learning rate) until the real optimizers land on main.
 * Momentum: {@code v = mu v + g; p -= lr v}; nesterov: {@code p -= lr (g + mu v)}.
 */
public final class TestSgd implements Optimizer {
    private final OptimizerConfig config;
    private final INDArray velocity;
    private long steps;

    public TestSgd(OptimizerConfig config, int size) {
        if (!config.type().equals("sgd") && !config.type().equals("momentum") && !config.type().equals("nesterov")) {
            throw new IllegalArgumentException("TestSgd does not implement " + config.type());
        }
        if (!config.schedule().type().equals("constant")) {
            throw new IllegalArgumentException("TestSgd has constant learning rates only");
        }
        this.config = config;
        this.velocity = config.type().equals("sgd") ? null : Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, size);
    }

    @Override
    public String name() {
        return config.type();
    }

    @Override
    public void step(INDArray params, INDArray gradient) {
        float lr = (float) config.learningRate();
        if (velocity == null) {
            params.subi(gradient.mul(lr));
        } else {
            velocity.muli((float) config.momentum()).addi(gradient);
            if (config.type().equals("nesterov")) {
                params.subi(gradient.add(velocity.mul((float) config.momentum())).muli(lr));
            } else {
                params.subi(velocity.mul(lr));
            }
        }
        steps++;
    }

    @Override
    public long stepCount() {
        return steps;
    }

    @Override
    public OptimizerState state() {
        return new OptimizerState(config.type(), steps,
                velocity == null ? Map.of() : Map.of("velocity", velocity.toFloatVector()));
    }

    @Override
    public void restore(OptimizerState state) {
        if (!state.optimizer().equals(config.type())) {
            throw new IllegalArgumentException("state of " + state.optimizer() + " given to " + config.type());
        }
        if (velocity != null) {
            float[] v = state.buffers().get("velocity");
            if (v == null || v.length != velocity.length()) {
                throw new IllegalArgumentException("velocity buffer missing or of the wrong length");
            }
            velocity.assign(Nd4j.createFromArray(v));
        }
        steps = state.step();
    }
}

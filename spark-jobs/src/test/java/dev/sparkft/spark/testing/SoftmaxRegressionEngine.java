package dev.sparkft.spark.testing;

import dev.sparkft.model.ModelEngine;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;

/** Registers {@link SoftmaxRegressionModel} as engine {@code test-softmax} (test scope only). */
public final class SoftmaxRegressionEngine implements ModelEngine {
    @Override
    public String name() {
        return "test-softmax";
    }

    @Override
    public TrainableModel create(ModelSpec spec) {
        return new SoftmaxRegressionModel(spec.options());
    }
}

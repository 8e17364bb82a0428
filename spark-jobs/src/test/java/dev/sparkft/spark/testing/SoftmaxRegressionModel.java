package dev.sparkft.spark.testing;

import dev.sparkft.model.Batch;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.EngineArchitecture;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.SpecOptions;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Multinomial logistic regression in plain Java, a real model for trainer tests: logits {@code W x + b},
 * summed cross-entropy, analytic gradient (computed in double, added into the float buffer). Reads
 * {@code features} ({@code [n, features]} floats) and {@code label} ({@code [n]} ints). Initial weights are
 * seeded Gaussians, so every JVM starts from the same point.
 */
public final class SoftmaxRegressionModel implements TrainableModel {
    private final int features;
    private final int classes;
    private final long seed;
    private final ParameterLayout layout;
    private float[] params;

    /** The model's path-free architecture: sizes and the initialisation seed. */
    public record Shape(int features, int classes, long seed) implements EngineArchitecture {
        static Shape parse(Map<String, Object> options) {
            SpecOptions o = new SpecOptions("model.options.", options);
            Shape shape = new Shape(o.integer("features", null), o.integer("classes", null), o.integer("seed", 7));
            o.rejectUnknown();
            return shape;
        }

        ParameterLayout layout() {
            return ParameterLayout.builder()
                    .add("weight", new long[] {classes, features}, true)
                    .add("bias", new long[] {classes}, false)
                    .build();
        }

        /** Seeded Gaussian weights, zero biases. */
        float[] initialParameters() {
            Random r = new Random(seed);
            float[] p = new float[layout().size()];
            for (int i = 0; i < classes * features; i++) {
                p[i] = (float) (0.1 * r.nextGaussian());
            }
            return p;
        }
    }

    public SoftmaxRegressionModel(Map<String, Object> options) {
        this(Shape.parse(options));
    }

    SoftmaxRegressionModel(Shape shape) {
        this.features = shape.features();
        this.classes = shape.classes();
        this.seed = shape.seed();
        this.layout = shape.layout();
        this.params = shape.initialParameters();
    }

    @Override
    public ParameterLayout layout() {
        return layout;
    }

    /** The seeded starting point, as the engine resolves it. */
    float[] initialParameters() {
        return new Shape(features, classes, seed).initialParameters();
    }

    @Override
    public List<String> inputColumns() {
        return List.of("features", "label");
    }

    @Override
    public List<String> predictionColumns() {
        return List.of("features");
    }

    @Override
    public List<ColumnExpectation> expectations() {
        return List.of(ColumnExpectation.exactLength("features", features, "model.options.features = " + features),
                ColumnExpectation.intRange("label", 0, classes - 1, "model.options.classes = " + classes));
    }

    @Override
    public void setParameters(float[] flat) {
        if (flat.length != layout.size()) {
            throw new IllegalArgumentException("expected " + layout.size() + " parameters, got " + flat.length);
        }
        params = flat.clone();
    }

    @Override
    public LossSum accumulateGradient(Batch batch, float[] gradientSum) {
        Tensor x = batch.get("features");
        int[] y = batch.get("label").ints();
        int n = batch.size();
        int bias = classes * features;
        double loss = 0;
        double[] logits = new double[classes];
        double[] gW = new double[classes * features];
        double[] gB = new double[classes];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                double z = params[bias + k];
                for (int j = 0; j < features; j++) {
                    z += params[k * features + j] * (double) x.floats()[i * features + j];
                }
                logits[k] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(logits[k] - max);
            }
            double lse = max + Math.log(sum);
            loss += lse - logits[y[i]];
            for (int k = 0; k < classes; k++) {
                double g = Math.exp(logits[k] - lse) - (k == y[i] ? 1 : 0);
                gB[k] += g;
                for (int j = 0; j < features; j++) {
                    gW[k * features + j] += g * x.floats()[i * features + j];
                }
            }
        }
        for (int i = 0; i < gW.length; i++) {
            gradientSum[i] += (float) gW[i];
        }
        for (int k = 0; k < classes; k++) {
            gradientSum[bias + k] += (float) gB[k];
        }
        return new LossSum(loss, n);
    }

    @Override
    public Tensor predict(Batch batch) {
        Tensor x = batch.get("features");
        int n = batch.size();
        float[] out = new float[n * classes];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < classes; k++) {
                double z = params[classes * features + k];
                for (int j = 0; j < features; j++) {
                    z += params[k * features + j] * (double) x.floats()[i * features + j];
                }
                out[i * classes + k] = (float) z;
            }
        }
        return Tensor.ofFloats(out, n, classes);
    }

    @Override
    public void close() {
        params = null;
    }
}

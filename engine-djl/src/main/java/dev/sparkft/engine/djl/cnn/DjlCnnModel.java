package dev.sparkft.engine.djl.cnn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkft.cnn.BatchNormMode;
import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.cnn.CnnModelOptions;
import dev.sparkft.engine.djl.Autograd;
import dev.sparkft.engine.djl.FlatGradient;
import dev.sparkft.engine.djl.ParameterArrays;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.Evaluation;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CNN image classifier on DJL's PyTorch engine behind the model seam (executor side). Reads column
 * {@value #PIXELS} (uint8 C×H×W images, which reach the model scaled to [0, 1]) and {@value #LABEL}; normalises with
 * the config's mean and std. Parameters live in one off-heap buffer ({@link ParameterArrays}); each step runs in its
 * own NDManager, closed before returning.
 */
public final class DjlCnnModel implements TrainableModel {
    public static final String PIXELS = "pixels";
    public static final String LABEL = "label";

    private final CnnModelOptions options;
    private final CnnConfig config;
    private final ParameterLayout layout;
    private final CnnNetwork network;
    private final NDManager manager;
    private final ParameterArrays params;
    private final FlatGradient export = new FlatGradient();
    private final NDArray mean;
    private final NDArray std;
    private boolean loaded;

    /** @param manager a PyTorch manager the model owns and closes */
    public DjlCnnModel(CnnModelOptions options, NDManager manager) {
        this.options = options;
        this.config = options.config();
        this.layout = options.layout();
        this.network = new CnnNetwork(config);
        this.manager = manager;
        this.params = new ParameterArrays(manager, layout, DataType.FLOAT32);
        this.mean = channelVector(manager, config.mean());
        this.std = channelVector(manager, config.std());
    }

    @Override
    public ParameterLayout layout() {
        return layout;
    }

    @Override
    public List<String> inputColumns() {
        return List.of(PIXELS, LABEL);
    }

    @Override
    public List<String> predictionColumns() {
        return List.of(PIXELS);
    }

    @Override
    public List<ColumnExpectation> expectations() {
        return List.of(
                ColumnExpectation.exactLength(PIXELS, config.pixelsPerImage(), "images of " + config.channels() + "×"
                        + config.height() + "×" + config.width() + " (model.options.imageSize)"),
                ColumnExpectation.intRange(LABEL, 0, config.numClasses() - 1,
                        "model.options.numLabels = " + config.numClasses()));
    }

    @Override
    public void setParameters(float[] flat) {
        params.set(flat);
        loaded = true;
    }

    @Override
    public LossSum accumulateGradient(Batch batch, float[] gradientSum) {
        requireLoaded();
        if (gradientSum.length != layout.size()) {
            throw new IllegalArgumentException("gradient buffer has " + gradientSum.length
                    + " values, the layout needs " + layout.size());
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray x = images(step, batch);
            NDArray y = labels(step, batch);
            boolean batchStatistics = options.batchNorm() == BatchNormMode.BATCH;
            return Autograd.withGradMode(true, () -> {
                Map<String, NDArray> weights = new HashMap<>();
                for (ParameterSegment s : layout.segments()) {
                    NDArray master = params.get(s.name());
                    weights.put(s.name(), s.trainable() ? Autograd.leaf(step, master) : master);
                }
                Map<String, NDArray> updated = new HashMap<>();
                NDArray loss = crossEntropySum(network.logits(weights::get, x, batchStatistics, updated), y);
                Autograd.backward(loss);
                for (ParameterSegment s : layout.segments()) {
                    if (s.trainable()) {
                        export.addInto(s, weights.get(s.name()).getGradient(), gradientSum);
                    } else if (s.statistic()) {
                        // weight × (current - updated): the driver's mean of these moves the statistic to the
                        // weighted mean of every micro-batch's update (ParameterSegment#statistic).
                        // Computed from the step's array so the temporaries belong to the step's manager.
                        NDArray change = updated.get(s.name()).sub(params.get(s.name())).mul(-batch.size());
                        export.addInto(s, change, gradientSum);
                    }
                }
                return new LossSum(loss.getFloat(), batch.size());
            });
        }
    }

    @Override
    public Tensor predict(Batch batch) {
        requireLoaded();
        try (NDManager step = manager.newSubManager()) {
            NDArray logits = Autograd.withGradMode(false, () -> forward(images(step, batch)));
            return Tensor.ofFloats(logits.toFloatArray(), logits.getShape().getShape());
        }
    }

    /** Loss and logits from one forward pass without gradients, batch norm on its running statistics. */
    @Override
    public Evaluation evaluate(Batch batch) {
        requireLoaded();
        try (NDManager step = manager.newSubManager()) {
            NDArray y = labels(step, batch);
            return Autograd.withGradMode(false, () -> {
                NDArray logits = forward(images(step, batch));
                double loss = crossEntropySum(logits, y).getFloat();
                return new Evaluation(new LossSum(loss, batch.size()),
                        Tensor.ofFloats(logits.toFloatArray(), logits.getShape().getShape()));
            });
        }
    }

    private NDArray forward(NDArray x) {
        return network.logits(params::get, x, false, null);
    }

    /** [n, C, H, W] normalised images from the batch's pixels (already scaled to [0, 1]). */
    private NDArray images(NDManager step, Batch batch) {
        Tensor pixels = batch.get(PIXELS);
        if (!pixels.isFloat() || pixels.shape().length != 2 || pixels.shape()[1] != config.pixelsPerImage()) {
            throw new IllegalArgumentException("column '" + PIXELS + "' must hold " + config.pixelsPerImage()
                    + " values per image (" + config.channels() + "×" + config.height() + "×" + config.width()
                    + "), got " + pixels);
        }
        NDArray x = step.create(pixels.floats(),
                new Shape(batch.size(), config.channels(), config.height(), config.width()));
        return x.sub(mean).div(std);
    }

    private static NDArray labels(NDManager step, Batch batch) {
        Tensor labels = batch.get(LABEL);
        if (labels.isFloat() || labels.shape().length != 1) {
            throw new IllegalArgumentException("column '" + LABEL + "' must hold one int per image, got " + labels);
        }
        return step.create(labels.ints()).toType(DataType.INT64, false);
    }

    /** Summed cross-entropy over the batch (a scalar), as {@code F.cross_entropy(reduction="sum")}. */
    static NDArray crossEntropySum(NDArray logits, NDArray labels) {
        NDArray logProbs = JniUtils.logSoftmax((PtNDArray) logits, -1, DataType.FLOAT32);
        return logProbs.gather(labels.reshape(-1, 1), 1).sum().neg();
    }

    private static NDArray channelVector(NDManager manager, List<Double> values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).floatValue();
        }
        return manager.create(v, new Shape(1, v.length, 1, 1));
    }

    @Override
    public void close() {
        manager.close();
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException("setParameters must be called before computing with the model");
        }
    }
}

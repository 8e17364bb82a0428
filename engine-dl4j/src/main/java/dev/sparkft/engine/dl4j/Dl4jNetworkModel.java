package dev.sparkft.engine.dl4j;

import dev.sparkft.model.Batch;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J {@link MultiLayerNetwork} classifier behind the model seam (executor side). Reads {@code features}
 * (float {@code [n, channels*height*width]}, row-major C,H,W) and {@code label} (int class ids); the loss is
 * softmax cross-entropy. DL4J's score is the minibatch mean but its backprop gradient is already the
 * gradient of the summed loss (DL4J's updater divides by the minibatch size, and no updater runs here), so
 * only the score is multiplied by {@code n}. Input and label arrays are kept and reused while the batch
 * size stays the same.
 *
 * <p>Segment shapes describe the flat memory in row-major order: DL4J keeps dense weights {@code [nIn, nOut]}
 * column-major, so they appear as {@code [nOut, nIn]}, PyTorch's {@code nn.Linear} layout; convolution
 * weights are {@code [out, in, kH, kW]}, biases {@code [n]}.
 */
public final class Dl4jNetworkModel implements TrainableModel {
    static final String FEATURES = "features";
    static final String LABEL = "label";

    private final MultiLayerNetwork net;
    private final Dl4jNetworkConfig config;
    private final ParameterLayout layout;
    private final DataType dataType;
    private INDArray features;
    private INDArray labels;

    Dl4jNetworkModel(MultiLayerNetwork net, Dl4jNetworkConfig config) {
        this.net = net;
        this.config = config;
        this.dataType = net.params().dataType();
        this.layout = layoutOf(net);
    }

    /** Segments in params() order, found from each parameter view's offset into the flat vector. */
    private static ParameterLayout layoutOf(MultiLayerNetwork net) {
        INDArray flat = net.params();
        record Param(String name, long offset, long[] shape, boolean weight) {
        }
        List<Param> params = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            String name = e.getKey();
            int sep = name.indexOf('_');
            int layer = Integer.parseInt(name.substring(0, sep));
            String key = name.substring(sep + 1);
            org.deeplearning4j.nn.conf.layers.Layer conf = net.getLayer(layer).conf().getLayer();
            ParamInitializer init = conf.initializer();
            INDArray view = e.getValue();
            params.add(new Param(name, view.offset() - flat.offset(), rowMajorShape(view), init.isWeightParam(conf, key)));
        }
        params.sort(Comparator.comparingLong(Param::offset));
        List<ParameterSegment> segments = new ArrayList<>();
        for (Param p : params) {
            segments.add(new ParameterSegment(p.name(), p.shape(), p.offset(), p.weight(), true));
        }
        ParameterLayout layout = new ParameterLayout(segments);
        if (layout.size() != flat.length()) {
            throw new IllegalStateException("DL4J parameter table covers " + layout.size() + " of "
                    + flat.length() + " parameters");
        }
        return layout;
    }

    /** The shape whose row-major order is the view's memory order (reversed for column-major views). */
    private static long[] rowMajorShape(INDArray view) {
        long[] shape = view.shape().clone();
        if (view.ordering() == 'f' && shape.length > 1) {
            for (int i = 0, j = shape.length - 1; i < j; i++, j--) {
                long t = shape[i];
                shape[i] = shape[j];
                shape[j] = t;
            }
        }
        return shape;
    }

    @Override
    public ParameterLayout layout() {
        return layout;
    }

    /** The seeded network's parameters, the starting point {@link Dl4jEngine#resolve} hands the driver. */
    float[] initialParameters() {
        return net.params().toFloatVector();
    }

    @Override
    public List<String> inputColumns() {
        return List.of(FEATURES, LABEL);
    }

    @Override
    public List<String> predictionColumns() {
        return List.of(FEATURES);
    }

    @Override
    public List<ColumnExpectation> expectations() {
        return List.of(
                ColumnExpectation.exactLength(FEATURES, config.inputSize(), "model.options.inputShape = "
                        + List.of(config.channels(), config.height(), config.width()) + " flattened"),
                ColumnExpectation.intRange(LABEL, 0, config.numClasses() - 1,
                        "model.options.numClasses = " + config.numClasses()));
    }

    @Override
    public void setParameters(float[] flat) {
        if (flat.length != layout.size()) {
            throw new IllegalArgumentException("parameter vector has " + flat.length + " values, the "
                    + config.architecture() + " network has " + layout.size());
        }
        copyInto(net.params(), flat);
    }

    @Override
    public LossSum accumulateGradient(Batch batch, float[] gradientSum) {
        if (gradientSum.length != layout.size()) {
            throw new IllegalArgumentException("gradient buffer has " + gradientSum.length + " values, the network has "
                    + layout.size() + " parameters");
        }
        int n = batch.size();
        if (n == 0) {
            return LossSum.ZERO;
        }
        net.setInput(features(batch));
        net.setLabels(labels(batch));
        net.computeGradientAndScore();
        add(net.getFlattenedGradients(), gradientSum);
        return new LossSum(net.score() * n, n);
    }

    @Override
    public Tensor predict(Batch batch) {
        int n = batch.size();
        INDArray out = net.output(features(batch), false).castTo(DataType.FLOAT);
        return Tensor.ofFloats(Nd4j.toFlattened('c', out).toFloatVector(), n, config.numClasses());
    }

    @Override
    public void close() {
        net.close();
        features = null;
        labels = null;
    }

    /** The wrapped network, for gradient checks that perturb parameters in double. */
    MultiLayerNetwork network() {
        return net;
    }

    private INDArray features(Batch batch) {
        Tensor t = batch.get(FEATURES);
        int n = batch.size();
        int d = config.inputSize();
        if (!t.isFloat() || t.floats().length != (long) n * d) {
            throw new IllegalArgumentException("column '" + FEATURES + "' must be float [n, " + d + "] (channels*height*width of "
                    + List.of(config.channels(), config.height(), config.width()) + ", flattened), got " + t);
        }
        if (features == null || features.rows() != n) {
            features = Nd4j.create(dataType, n, d);
        }
        copyInto(features, t.floats());
        return features;
    }

    private INDArray labels(Batch batch) {
        Tensor t = batch.get(LABEL);
        int n = batch.size();
        int k = config.numClasses();
        if (t.isFloat() || t.ints().length != n) {
            throw new IllegalArgumentException("column '" + LABEL + "' must be int [n] class ids, got " + t);
        }
        int[] ids = t.ints();
        for (int i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= k) {
                throw new IllegalArgumentException("label " + ids[i] + " in row " + i + " of the batch is outside the valid range [0, "
                        + (k - 1) + "] for numClasses " + k);
            }
        }
        if (labels == null || labels.rows() != n) {
            labels = Nd4j.create(dataType, n, k);
        } else {
            labels.assign(0);
        }
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, ids[i], 1.0);
        }
        return labels;
    }

    /** Writes {@code values} into the host memory of a contiguous array and marks the host copy current. */
    private void copyInto(INDArray target, float[] values) {
        AffinityManager affinity = Nd4j.getAffinityManager();
        affinity.ensureLocation(target, AffinityManager.Location.HOST);
        int offset = (int) target.offset();
        if (dataType == DataType.FLOAT) {
            target.data().asNioFloat().put(offset, values);
        } else {
            DoubleBuffer b = target.data().asNioDouble();
            for (int i = 0; i < values.length; i++) {
                b.put(offset + i, values[i]);
            }
        }
        affinity.tagLocation(target, AffinityManager.Location.HOST);
    }

    /** {@code sum += gradient}, read from host memory without a copy. */
    private static void add(INDArray gradient, float[] sum) {
        Nd4j.getAffinityManager().ensureLocation(gradient, AffinityManager.Location.HOST);
        int offset = (int) gradient.offset();
        if (gradient.dataType() == DataType.FLOAT) {
            FloatBuffer b = gradient.data().asNioFloat();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += b.get(offset + i);
            }
        } else {
            DoubleBuffer b = gradient.data().asNioDouble();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += (float) b.get(offset + i);
            }
        }
    }
}

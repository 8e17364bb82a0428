package dev.sparkft.engine.djl.cnn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkft.cnn.CnnArchitecture;
import dev.sparkft.cnn.CnnConfig;
import java.util.Map;
import java.util.function.Function;

/**
 * A torchvision-exact ResNet or MobileNetV2 as a function of named parameters: the forward pass of
 * {@code torchvision.models.resnet*} / {@code mobilenet_v2} without dropout (MobileNetV2's classifier dropout is
 * left out: training here is deterministic). Batch norm normalises with the running statistics, or, when
 * {@code batchStatistics}, with the batch's own, writing the updated running statistics (PyTorch's momentum 0.1,
 * unbiased variance) into the map given.
 */
public final class CnnNetwork {
    /** PyTorch's default batch-norm momentum. */
    public static final double MOMENTUM = 0.1;

    private final CnnConfig config;

    public CnnNetwork(CnnConfig config) {
        this.config = config;
    }

    public CnnConfig config() {
        return config;
    }

    /**
     * Logits [n, classes] for normalised images {@code x} [n, C, H, W].
     *
     * @param updatedStatistics receives {@code <bn>.running_mean}/{@code running_var} after the batch when
     *                          {@code batchStatistics}; ignored otherwise
     */
    public NDArray logits(Function<String, NDArray> params, NDArray x, boolean batchStatistics,
            Map<String, NDArray> updatedStatistics) {
        Layers l = new Layers(params, batchStatistics, updatedStatistics);
        NDArray features = config.architecture().isResNet() ? resnet(l, x) : mobilenet(l, x);
        NDArray h = JniUtils.adaptiveAvgPool((PtNDArray) features, new Shape(1, 1)).reshape(x.getShape().get(0), -1);
        if (config.head().isEmpty()) {
            String head = config.architecture().headPrefix();
            return JniUtils.linear((PtNDArray) h, (PtNDArray) params.apply(head + "weight"),
                    (PtNDArray) params.apply(head + "bias"));
        }
        for (CnnConfig.HeadLayer layer : config.head()) {
            h = JniUtils.linear((PtNDArray) h, (PtNDArray) params.apply(layer.name() + ".weight"),
                    (PtNDArray) params.apply(layer.name() + ".bias"));
            if (layer.activation().equals("relu")) {
                h = l.relu(h);
            }
        }
        return h; // a final softmax is left out: these are its inputs, the logits
    }

    private NDArray resnet(Layers l, NDArray x) {
        boolean small = config.stem() == CnnConfig.Stem.SMALL;
        x = l.relu(l.bn(l.conv(x, "conv1", small ? 1 : 2, 1), "bn1"));
        if (!small) {
            x = JniUtils.maxPool((PtNDArray) x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        }
        CnnArchitecture a = config.architecture();
        int[] blocks = a.blocks();
        int expansion = a.bottleneck() ? 4 : 1;
        int in = 64;
        for (int layer = 0; layer < 4; layer++) {
            int planes = 64 << layer;
            for (int b = 0; b < blocks[layer]; b++) {
                String p = "layer" + (layer + 1) + "." + b + ".";
                int stride = b == 0 && layer > 0 ? 2 : 1;
                NDArray out;
                if (a.bottleneck()) {
                    out = l.relu(l.bn(l.conv(x, p + "conv1", 1, 1), p + "bn1"));
                    out = l.relu(l.bn(l.conv(out, p + "conv2", stride, 1), p + "bn2"));
                    out = l.bn(l.conv(out, p + "conv3", 1, 1), p + "bn3");
                } else {
                    out = l.relu(l.bn(l.conv(x, p + "conv1", stride, 1), p + "bn1"));
                    out = l.bn(l.conv(out, p + "conv2", 1, 1), p + "bn2");
                }
                boolean downsample = stride != 1 || in != planes * expansion;
                NDArray identity = downsample ? l.bn(l.conv(x, p + "downsample.0", stride, 1), p + "downsample.1") : x;
                x = l.relu(out.add(identity));
                in = planes * expansion;
            }
        }
        return x;
    }

    private NDArray mobilenet(Layers l, NDArray x) {
        int stemStride = config.stem() == CnnConfig.Stem.SMALL ? 1 : 2;
        x = l.relu6(l.bn(l.conv(x, "features.0.0", stemStride, 1), "features.0.1"));
        int in = 32;
        int index = 1;
        for (int[] stage : CnnArchitecture.mobilenetStages()) {
            for (int r = 0; r < stage[2]; r++) {
                String p = "features." + index++ + ".conv.";
                int stride = r == 0 ? stage[3] : 1;
                int hidden = in * stage[0];
                NDArray h = x;
                int n = 0;
                if (stage[0] != 1) {
                    h = l.relu6(l.bn(l.conv(h, p + n + ".0", 1, 1), p + n + ".1"));
                    n++;
                }
                h = l.relu6(l.bn(l.conv(h, p + n + ".0", stride, hidden), p + n + ".1"));
                n++;
                h = l.bn(l.conv(h, p + n, 1, 1), p + (n + 1));
                x = stride == 1 && in == stage[1] ? x.add(h) : h;
                in = stage[1];
            }
        }
        return l.relu6(l.bn(l.conv(x, "features." + index + ".0", 1, 1), "features." + index + ".1"));
    }

    /** The layers of one forward pass: convolution with the config's padding, batch norm, activations. */
    private final class Layers {
        private final Function<String, NDArray> params;
        private final boolean batchStatistics;
        private final Map<String, NDArray> updated;

        Layers(Function<String, NDArray> params, boolean batchStatistics, Map<String, NDArray> updated) {
            this.params = params;
            this.batchStatistics = batchStatistics;
            this.updated = updated;
        }

        /** A bias-free square convolution ({@code groups} 1, or the channels for depthwise); k from the weight. */
        NDArray conv(NDArray x, String name, int stride, int groups) {
            NDArray w = params.apply(name + ".weight");
            int k = (int) w.getShape().get(2);
            if (k == 1 && stride > 1 && config.padding() == CnnConfig.Padding.SYMMETRIC) {
                // The same as subsampling, then a stride-1 convolution. The strided form's backward crashes
                // libtorch 2.7.1 (SIGFPE in oneDNN's brgemm 1x1 backward-data blocking, ResNet-50's downsample
                // on AMD EPYC), killing the executor JVM; this form never reaches that kernel.
                x = x.get(":, :, ::" + stride + ", ::" + stride);
                stride = 1;
            }
            long[] pad = padding(x, k, stride);
            NDArray in = x;
            int symmetric = (int) pad[0];
            if (pad[0] != pad[1] || pad[2] != pad[3]) {
                // TensorFlow's SAME puts the odd pixel after: pad explicitly, then convolve without padding.
                in = JniUtils.pad((PtNDArray) x, new long[] {pad[2], pad[3], pad[0], pad[1]}, 0);
                symmetric = 0;
            }
            return JniUtils.convolution((PtNDArray) in, (PtNDArray) w, null, new Shape(stride, stride),
                    new Shape(symmetric, symmetric), new Shape(1, 1), groups);
        }

        /** {top, bottom, left, right} padding of a k×k convolution with this stride. */
        private long[] padding(NDArray x, int k, int stride) {
            if (config.padding() == CnnConfig.Padding.SYMMETRIC) {
                return new long[] {k / 2, k / 2, k / 2, k / 2};
            }
            long[] hw = {x.getShape().get(2), x.getShape().get(3)};
            long[] out = new long[4];
            for (int d = 0; d < 2; d++) {
                long size = hw[d];
                long outSize = (size + stride - 1) / stride;
                long total = Math.max((outSize - 1) * stride + k - size, 0);
                out[2 * d] = total / 2;
                out[2 * d + 1] = total - total / 2;
            }
            return out;
        }

        NDArray bn(NDArray x, String name) {
            NDArray mean = params.apply(name + ".running_mean");
            NDArray var = params.apply(name + ".running_var");
            if (batchStatistics) {
                // libtorch updates the running statistics in place: give it copies, not the parameter storage.
                mean = mean.duplicate();
                var = var.duplicate();
                mean.attach(x.getManager());
                var.attach(x.getManager());
                updated.put(name + ".running_mean", mean);
                updated.put(name + ".running_var", var);
            }
            return JniUtils.batchNorm((PtNDArray) x, (PtNDArray) mean, (PtNDArray) var,
                    (PtNDArray) params.apply(name + ".weight"), (PtNDArray) params.apply(name + ".bias"),
                    batchStatistics, MOMENTUM, config.batchNormEps());
        }

        NDArray relu(NDArray x) {
            return JniUtils.relu((PtNDArray) x);
        }

        NDArray relu6(NDArray x) {
            return JniUtils.clip((PtNDArray) x, 0, 6);
        }
    }
}

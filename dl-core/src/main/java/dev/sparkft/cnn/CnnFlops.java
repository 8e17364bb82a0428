package dev.sparkft.cnn;

import dev.sparkft.model.FlopTally;
import java.util.List;

/**
 * Floating-point operations of a CNN classifier per image, counted as PyTorch's {@code FlopCounterMode} counts them
 * ({@link FlopTally}): convolutions (2 × output pixels × output channels × input channels per group × k²) and the
 * classifier's products; batch norm, activations, pooling and residual additions are not counted.
 *
 * <p>Training adds the backward pass: a convolution's input gradient where its input depends on something trained
 * (never for the first one: the image needs none) and its weight gradient where the weight trains ({@code freeze}
 * prefixes do not). For a grouped (depthwise) convolution the weight gradient costs what its forward pass does;
 * {@code FlopCounterMode} counts it {@code groups} times over, ignoring the groups, so MobileNetV2's counts differ
 * from its raw total by exactly that (the test checks both).
 */
public final class CnnFlops {
    private CnnFlops() {
    }

    /** Forward FLOPs of one image. */
    public static double forward(CnnModelOptions model) {
        return count(model, false);
    }

    /** Forward plus backward FLOPs of one training image. */
    public static double training(CnnModelOptions model) {
        return count(model, true);
    }

    private static double count(CnnModelOptions model, boolean backward) {
        Walk walk = new Walk(model.config(), model.freeze(), new FlopTally(backward));
        boolean features = model.config().architecture().isResNet() ? walk.resnet() : walk.mobilenet();
        walk.classifier(features);
        return walk.flops.total();
    }

    /** One pass over the network in forward order, tracking the feature map's size and whether it needs a gradient. */
    private static final class Walk {
        private final CnnConfig config;
        private final List<String> freeze;
        private final FlopTally flops;
        private int height;
        private int width;

        Walk(CnnConfig config, List<String> freeze, FlopTally flops) {
            this.config = config;
            this.freeze = freeze;
            this.flops = flops;
            this.height = config.height();
            this.width = config.width();
        }

        boolean resnet() {
            CnnArchitecture a = config.architecture();
            boolean small = config.stem() == CnnConfig.Stem.SMALL;
            boolean x = normed(conv("conv1", config.channels(), 64, small ? 3 : 7, small ? 1 : 2, 1, false), "bn1");
            if (!small) {
                shrink(2);
                shrink(2); // the max-pool
            }
            int expansion = a.bottleneck() ? 4 : 1;
            int in = 64;
            int[] blocks = a.blocks();
            for (int layer = 0; layer < 4; layer++) {
                int planes = 64 << layer;
                for (int b = 0; b < blocks[layer]; b++) {
                    String p = "layer" + (layer + 1) + "." + b + ".";
                    int stride = b == 0 && layer > 0 ? 2 : 1;
                    boolean identity = x;
                    if (stride != 1 || in != planes * expansion) {
                        identity = normed(conv(p + "downsample.0", in, planes * expansion, 1, stride, 1, x),
                                p + "downsample.1");
                    }
                    boolean out;
                    if (a.bottleneck()) {
                        out = normed(conv(p + "conv1", in, planes, 1, 1, 1, x), p + "bn1");
                        out = normed(conv(p + "conv2", planes, planes, 3, stride, 1, out), p + "bn2");
                        shrink(stride);
                        out = normed(conv(p + "conv3", planes, planes * expansion, 1, 1, 1, out), p + "bn3");
                    } else {
                        out = normed(conv(p + "conv1", in, planes, 3, stride, 1, x), p + "bn1");
                        shrink(stride);
                        out = normed(conv(p + "conv2", planes, planes, 3, 1, 1, out), p + "bn2");
                    }
                    x = out || identity;
                    in = planes * expansion;
                }
            }
            return x;
        }

        boolean mobilenet() {
            int stem = config.stem() == CnnConfig.Stem.SMALL ? 1 : 2;
            boolean x = normed(conv("features.0.0", config.channels(), CnnArchitecture.MOBILENET_STEM, 3, stem, 1,
                    false), "features.0.1");
            shrink(stem);
            int in = CnnArchitecture.MOBILENET_STEM;
            int index = 1;
            for (int[] stage : CnnArchitecture.MOBILENET_STAGES) {
                for (int r = 0; r < stage[2]; r++) {
                    String p = "features." + index++ + ".conv.";
                    int stride = r == 0 ? stage[3] : 1;
                    int hidden = in * stage[0];
                    boolean h = x;
                    int n = 0;
                    if (stage[0] != 1) {
                        h = normed(conv(p + n + ".0", in, hidden, 1, 1, 1, h), p + n + ".1");
                        n++;
                    }
                    h = normed(conv(p + n + ".0", hidden, hidden, 3, stride, hidden, h), p + n + ".1");
                    shrink(stride);
                    n++;
                    h = normed(conv(p + n, hidden, stage[1], 1, 1, 1, h), p + (n + 1));
                    x = stride == 1 && in == stage[1] ? x || h : h;
                    in = stage[1];
                }
            }
            return normed(conv("features." + index + ".0", in, CnnArchitecture.MOBILENET_LAST, 1, 1, 1, x),
                    "features." + index + ".1");
        }

        /** After global average pooling: torchvision's linear classifier, or an imported head's dense layers. */
        void classifier(boolean features) {
            boolean x = features;
            int in = config.architecture().features();
            if (config.head().isEmpty()) {
                linear(config.architecture().headPrefix(), in, config.numClasses(), x);
                return;
            }
            for (CnnConfig.HeadLayer layer : config.head()) {
                x = linear(layer.name() + ".", layer.in(), layer.out(), x);
            }
        }

        /**
         * A k×k convolution {@code in → out} of the current feature map with this stride; callers move the map on to
         * its output size ({@link #shrink}) once every branch that reads the input is counted.
         */
        private boolean conv(String name, int in, int out, int k, int stride, int groups, boolean input) {
            double pixels = (double) ceilDiv(height, stride) * ceilDiv(width, stride);
            double forward = 2.0 * pixels * out * (in / groups) * k * k;
            return flops.product(forward, input, trains(name + ".weight"));
        }

        /** Batch norm after a convolution: its output needs a gradient also when its own affine weights train. */
        private boolean normed(boolean input, String name) {
            return input || trains(name + ".weight") || trains(name + ".bias");
        }

        private boolean linear(String prefix, int in, int out, boolean input) {
            return flops.product(2.0 * in * out, input, trains(prefix + "weight")) || trains(prefix + "bias");
        }

        /** A stride's output size: both padding conventions give ceil(size / stride) for these odd kernels and pool. */
        private void shrink(int stride) {
            height = ceilDiv(height, stride);
            width = ceilDiv(width, stride);
        }

        private static int ceilDiv(int size, int stride) {
            return (size + stride - 1) / stride;
        }

        private boolean trains(String tensor) {
            return freeze.stream().noneMatch(tensor::startsWith);
        }
    }
}

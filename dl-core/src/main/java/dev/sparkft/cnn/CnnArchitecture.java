package dev.sparkft.cnn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The network families, with torchvision's structure: what each block is, in order. {@link #tensors} lists every
 * parameter and batch-norm buffer under torchvision's {@code state_dict} name and shape, in its order (without
 * {@code num_batches_tracked}), which is the order of the flat vector and of an exported folder.
 */
public enum CnnArchitecture {
    RESNET18("resnet18", false, 2, 2, 2, 2),
    RESNET34("resnet34", false, 3, 4, 6, 3),
    RESNET50("resnet50", true, 3, 4, 6, 3),
    MOBILENET_V2("mobilenet_v2", false);

    /** MobileNetV2's inverted-residual stages: expansion t, output channels c, repeats n, first stride s. */
    static final int[][] MOBILENET_STAGES = {
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    static final int MOBILENET_STEM = 32;
    static final int MOBILENET_LAST = 1280;

    private final String optionName;
    private final boolean bottleneck;
    private final int[] blocks;

    CnnArchitecture(String optionName, boolean bottleneck, int... blocks) {
        this.optionName = optionName;
        this.bottleneck = bottleneck;
        this.blocks = blocks;
    }

    public String optionName() {
        return optionName;
    }

    /** MobileNetV2's stages as rows {expansion t, output channels c, repeats n, first stride s}. */
    public static int[][] mobilenetStages() {
        int[][] copy = new int[MOBILENET_STAGES.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = MOBILENET_STAGES[i].clone();
        }
        return copy;
    }

    public boolean isResNet() {
        return this != MOBILENET_V2;
    }

    /** ResNet: Bottleneck blocks (expansion 4) rather than BasicBlocks. */
    public boolean bottleneck() {
        return bottleneck;
    }

    /** ResNet: blocks in layer1..layer4. */
    public int[] blocks() {
        return blocks.clone();
    }

    /** Channels entering the classifier. */
    public int features() {
        return isResNet() ? 512 * (bottleneck ? 4 : 1) : MOBILENET_LAST;
    }

    /** The name of the classifier's weight; the head is every tensor under this prefix. */
    public String headPrefix() {
        return isResNet() ? "fc." : "classifier.1.";
    }

    public static CnnArchitecture of(String name, String key) {
        for (CnnArchitecture a : values()) {
            if (a.optionName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException(key + " '" + name + "' is not a known architecture; use one of "
                + Arrays.stream(values()).map(CnnArchitecture::optionName).toList());
    }

    /** What a tensor is, which decides weight decay and whether it trains. */
    public enum Role {
        CONV_WEIGHT, LINEAR_WEIGHT, LINEAR_BIAS, NORM_WEIGHT, NORM_BIAS, RUNNING_MEAN, RUNNING_VAR;

        public boolean isRunningStatistic() {
            return this == RUNNING_MEAN || this == RUNNING_VAR;
        }
    }

    /** One named tensor of the network. */
    public record Named(String name, long[] shape, Role role) {
    }

    /** Every tensor, in torchvision's state_dict order, for {@code channels} input channels and {@code classes}. */
    public List<Named> tensors(int channels, int classes, CnnConfig.Stem stem) {
        List<Named> out = new ArrayList<>();
        if (isResNet()) {
            int k = stem == CnnConfig.Stem.SMALL ? 3 : 7;
            conv(out, "conv1", 64, channels, k);
            norm(out, "bn1", 64);
            int in = 64;
            int expansion = bottleneck ? 4 : 1;
            for (int layer = 0; layer < 4; layer++) {
                int planes = 64 << layer;
                for (int b = 0; b < blocks[layer]; b++) {
                    String p = "layer" + (layer + 1) + "." + b + ".";
                    int stride = b == 0 && layer > 0 ? 2 : 1;
                    if (bottleneck) {
                        conv(out, p + "conv1", planes, in, 1);
                        norm(out, p + "bn1", planes);
                        conv(out, p + "conv2", planes, planes, 3);
                        norm(out, p + "bn2", planes);
                        conv(out, p + "conv3", planes * expansion, planes, 1);
                        norm(out, p + "bn3", planes * expansion);
                    } else {
                        conv(out, p + "conv1", planes, in, 3);
                        norm(out, p + "bn1", planes);
                        conv(out, p + "conv2", planes, planes, 3);
                        norm(out, p + "bn2", planes);
                    }
                    if (stride != 1 || in != planes * expansion) {
                        conv(out, p + "downsample.0", planes * expansion, in, 1);
                        norm(out, p + "downsample.1", planes * expansion);
                    }
                    in = planes * expansion;
                }
            }
            linear(out, "fc", classes, in);
        } else {
            conv(out, "features.0.0", MOBILENET_STEM, channels, 3);
            norm(out, "features.0.1", MOBILENET_STEM);
            int in = MOBILENET_STEM;
            int index = 1;
            for (int[] stage : MOBILENET_STAGES) {
                for (int r = 0; r < stage[2]; r++) {
                    String p = "features." + index++ + ".conv.";
                    int hidden = in * stage[0];
                    int n = 0;
                    if (stage[0] != 1) {
                        conv(out, p + n + ".0", hidden, in, 1);
                        norm(out, p + n + ".1", hidden);
                        n++;
                    }
                    conv(out, p + n + ".0", hidden, 1, 3); // depthwise: groups = hidden
                    norm(out, p + n + ".1", hidden);
                    n++;
                    conv(out, p + n, stage[1], hidden, 1);
                    norm(out, p + (n + 1), stage[1]);
                    in = stage[1];
                }
            }
            conv(out, "features." + index + ".0", MOBILENET_LAST, in, 1);
            norm(out, "features." + index + ".1", MOBILENET_LAST);
            linear(out, "classifier.1", classes, MOBILENET_LAST);
        }
        return out;
    }

    /** A square {@code k}×{@code k} convolution's weight [out, in per group, k, k] (no bias: batch norm follows). */
    private static void conv(List<Named> out, String name, int o, int i, int k) {
        out.add(new Named(name + ".weight", new long[] {o, i, k, k}, Role.CONV_WEIGHT));
    }

    private static void norm(List<Named> out, String name, int c) {
        out.add(new Named(name + ".weight", new long[] {c}, Role.NORM_WEIGHT));
        out.add(new Named(name + ".bias", new long[] {c}, Role.NORM_BIAS));
        out.add(new Named(name + ".running_mean", new long[] {c}, Role.RUNNING_MEAN));
        out.add(new Named(name + ".running_var", new long[] {c}, Role.RUNNING_VAR));
    }

    private static void linear(List<Named> out, String name, int o, int i) {
        out.add(new Named(name + ".weight", new long[] {o, i}, Role.LINEAR_WEIGHT));
        out.add(new Named(name + ".bias", new long[] {o}, Role.LINEAR_BIAS));
    }
}

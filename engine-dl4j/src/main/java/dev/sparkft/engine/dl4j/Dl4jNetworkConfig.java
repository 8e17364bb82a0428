package dev.sparkft.engine.dl4j;

import dev.sparkft.model.EngineArchitecture;
import dev.sparkft.model.FlopTally;
import dev.sparkft.model.SpecOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A DL4J network's typed options ({@code model.options} with {@code engine: dl4j}): an MLP or a small
 * LeNet-style CNN (5x5 conv, 2x2 max pool, 5x5 conv, 2x2 max pool, dense layers, softmax) over
 * {@code [channels, height, width]} inputs given flattened. ReLU everywhere; no batch norm (gradients would
 * depend on how a global batch is split), no dropout, no regularisation (weight decay is the driver
 * optimizer's). {@code dataType} double exists for gradient checks.
 */
public record Dl4jNetworkConfig(
        String architecture,
        int channels,
        int height,
        int width,
        int numClasses,
        List<Integer> hidden,
        List<Integer> filters,
        long seed,
        String dataType) implements EngineArchitecture {

    /** Two valid 5x5 convolutions and two 2x2 pools need at least 16 pixels per side. */
    static final int MIN_CNN_SIDE = 16;
    private static final String PREFIX = "model.options.";

    public Dl4jNetworkConfig {
        if (!List.of("mlp", "cnn").contains(architecture)) {
            throw new IllegalArgumentException(PREFIX + "architecture must be mlp or cnn, got '" + architecture + "'");
        }
        positive("inputShape channels", channels);
        positive("inputShape height", height);
        positive("inputShape width", width);
        if (numClasses < 2) {
            throw new IllegalArgumentException(PREFIX + "numClasses must be at least 2, got " + numClasses);
        }
        hidden = List.copyOf(hidden);
        hidden.forEach(h -> positive("hidden", h));
        if (architecture.equals("cnn")) {
            if (filters == null || filters.size() != 2) {
                throw new IllegalArgumentException(PREFIX + "filters must list the two convolutions' filter counts, e.g. [16, 32], got " + filters);
            }
            filters = List.copyOf(filters);
            filters.forEach(f -> positive("filters", f));
            if (height < MIN_CNN_SIDE || width < MIN_CNN_SIDE) {
                throw new IllegalArgumentException(PREFIX + "inputShape height and width must be at least " + MIN_CNN_SIDE
                        + " for the cnn (two 5x5 convolutions and two 2x2 pools), got " + height + "x" + width);
            }
        } else {
            filters = List.of();
        }
        if (!List.of("float", "double").contains(dataType)) {
            throw new IllegalArgumentException(PREFIX + "dataType must be float or double, got '" + dataType + "'");
        }
    }

    /** Parses {@code options} strictly: unknown keys fail, naming the key. */
    public static Dl4jNetworkConfig parse(Map<String, Object> options) {
        SpecOptions o = new SpecOptions(PREFIX, options);
        String architecture = o.string("architecture", null);
        List<Integer> shape = integers(o, "inputShape", null);
        if (shape.size() != 3) {
            throw new IllegalArgumentException(PREFIX + "inputShape must be [channels, height, width], got " + shape);
        }
        int numClasses = o.integer("numClasses", null);
        List<Integer> hidden = integers(o, "hidden", null);
        List<Integer> filters = null;
        if (architecture.equals("cnn")) {
            filters = integers(o, "filters", List.of(16, 32));
        }
        int seed = o.integer("seed", 42);
        String dataType = o.string("dataType", "float");
        o.rejectUnknown();
        return new Dl4jNetworkConfig(architecture, shape.get(0), shape.get(1), shape.get(2), numClasses,
                hidden, filters, seed, dataType);
    }

    /** {@link #flops} of a training step, whatever the columns. */
    @Override
    public double trainingFlopsPerExample(Map<String, Integer> columnLengths) {
        return flops(true);
    }

    /**
     * FLOPs per example as {@link FlopTally} counts them: the 5×5 valid convolutions and the dense layers (biases,
     * activations and pools are not counted). Every weight trains; the pixels need no gradient.
     */
    double flops(boolean backward) {
        FlopTally tally = new FlopTally(backward);
        boolean input = false;
        int c = channels;
        int h = height;
        int w = width;
        for (int f : filters) {
            h -= 4;
            w -= 4;
            input = tally.product(2.0 * h * w * f * c * 25, input, true);
            c = f;
            h /= 2; // the 2×2 max-pool, stride 2, truncating
            w /= 2;
        }
        int in = c * h * w;
        List<Integer> sizes = new ArrayList<>(hidden);
        sizes.add(numClasses);
        for (int out : sizes) {
            input = tally.product(2.0 * in * out, input, true);
            in = out;
        }
        return tally.total();
    }

    /** Length of one flattened example. */
    public int inputSize() {
        return channels * height * width;
    }

    private static List<Integer> integers(SpecOptions o, String key, List<Integer> dflt) {
        List<Object> raw = o.list(key, dflt == null ? null : new ArrayList<>(dflt));
        List<Integer> out = new ArrayList<>(raw.size());
        for (Object v : raw) {
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new IllegalArgumentException("option '" + PREFIX + key + "' must be a list of integers, got " + raw);
            }
            out.add(n.intValue());
        }
        return out;
    }

    private static void positive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(PREFIX + what + " must be positive, got " + value);
        }
    }
}

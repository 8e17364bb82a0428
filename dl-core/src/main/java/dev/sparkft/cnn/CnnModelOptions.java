package dev.sparkft.cnn;

import dev.sparkft.bert.Precision;
import dev.sparkft.model.EngineArchitecture;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.SpecOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The path-free architecture of a CNN image classifier, what executors build from: the network config, how batch
 * norm trains, frozen name prefixes, seed and precision. {@link #resolve} parses it strictly from a
 * {@code ModelSpec}'s options on the driver, together with where the starting weights come from.
 *
 * @param config    the network at the size and classes being trained
 * @param batchNorm how batch norm normalises while training
 * @param freeze    parameter name prefixes (e.g. {@code layer1.}) whose segments are not trained
 */
public record CnnModelOptions(CnnConfig config, BatchNormMode batchNorm, long seed, List<String> freeze,
        Precision precision) implements EngineArchitecture {
    private static final long serialVersionUID = 1L;
    /** The value of option {@code task} that selects an image classifier. */
    public static final String TASK = "image-classification";
    private static final List<Double> IMAGENET_MEAN = List.of(0.485, 0.456, 0.406);
    private static final List<Double> IMAGENET_STD = List.of(0.229, 0.224, 0.225);

    /** {@link CnnFlops#training}: fixed by the image size, whatever the columns. */
    @Override
    public double trainingFlopsPerExample(Map<String, Integer> columnLengths) {
        return CnnFlops.training(this);
    }

    public CnnModelOptions {
        if (config == null || batchNorm == null || precision == null) {
            throw new IllegalArgumentException("CnnModelOptions needs a config, a batch-norm mode and a precision");
        }
        freeze = List.copyOf(freeze);
    }

    /** The architecture and where its starting weights come from, as the driver resolved them. */
    public record Resolved(CnnModelOptions architecture, CnnWeights weights) {

        /** Reads the starting weights as the flat vector of the architecture's layout (a fresh array). */
        public float[] initialParameters() {
            return weights.flatten(architecture);
        }
    }

    /**
     * Parses the options on the driver. With {@code weights} a CNN folder, the architecture, padding, stem, epsilon
     * and (unless given) image size and normalisation come from its config.json; {@code head: new} replaces its
     * classifier by a fresh one for {@code numLabels} classes.
     */
    public static Resolved resolve(Map<String, Object> options, ModelFiles files) {
        SpecOptions o = new SpecOptions("model.options.", new LinkedHashMap<>(options));
        String task = o.string("task", null);
        if (!TASK.equals(task)) {
            throw new IllegalArgumentException("option 'model.options.task' must be " + TASK + " for a CNN, got " + task);
        }
        int numLabels = o.integer("numLabels", null);
        String weightsOption = o.string("weights", CnnWeights.RANDOM);
        String architectureName = options.containsKey("architecture") ? o.string("architecture", null) : null;
        List<Object> imageSize = o.list("imageSize", List.of());
        List<Object> mean = o.list("mean", List.of());
        List<Object> std = o.list("std", List.of());
        CnnConfig.Stem stem = options.containsKey("stem")
                ? o.choice("stem", null, CnnConfig.Stem.values(), CnnConfig.Stem::jsonName) : null;
        BatchNormMode batchNorm = o.choice("batchNorm", BatchNormMode.FROZEN, BatchNormMode.values(),
                BatchNormMode::optionName);
        boolean newHead = "new".equals(o.choice("head", "keep", new String[] {"keep", "new"}, s -> s));
        long seed = o.integer("seed", 0);
        List<String> freeze = o.list("freeze", List.of()).stream().map(String::valueOf).toList();
        Precision precision = o.choice("precision", Precision.FP32, Precision.values(), Precision::optionName);
        o.rejectUnknown();
        if (precision != Precision.FP32) {
            throw new IllegalArgumentException("option 'model.options.precision' " + precision.optionName()
                    + " is not supported for CNNs yet; use fp32");
        }

        CnnWeights weights;
        CnnConfig base;
        if (CnnWeights.RANDOM.equals(weightsOption)) {
            if (architectureName == null) {
                throw new IllegalArgumentException("missing option 'model.options.architecture' (resnet18, resnet34,"
                        + " resnet50, mobilenet_v2): random weights need it");
            }
            List<Integer> size = imageSize(imageSize.isEmpty() ? List.of(3, 224, 224) : imageSize);
            int c = size.get(0);
            base = new CnnConfig(CnnArchitecture.of(architectureName, "option 'model.options.architecture'"),
                    numberedClasses(numLabels), c, size.get(1), size.get(2),
                    mean.isEmpty() ? defaultMean(c) : doubles(mean, "mean"),
                    std.isEmpty() ? defaultStd(c) : doubles(std, "std"), 1e-5, CnnConfig.Padding.SYMMETRIC,
                    stem == null ? CnnConfig.Stem.IMAGENET : stem);
            weights = CnnWeights.random();
        } else {
            Path folder = files.local("model.options.weights", weightsOption);
            try {
                weights = CnnWeights.folder(folder);
            } catch (IOException e) {
                throw new UncheckedIOException("option 'model.options.weights': cannot read CNN folder " + weightsOption
                        + ": " + e.getMessage(), e);
            }
            CnnConfig saved = weights.config();
            if (architectureName != null && !architectureName.equals(saved.architecture().optionName())) {
                throw new IllegalArgumentException("option 'model.options.architecture' is " + architectureName
                        + " but " + weightsOption + " holds a " + saved.architecture().optionName()
                        + "; drop the option to take the folder's");
            }
            if (stem != null && stem != saved.stem()) {
                throw new IllegalArgumentException("option 'model.options.stem' is " + stem.jsonName() + " but "
                        + weightsOption + " was built with stem " + saved.stem().jsonName());
            }
            List<String> classes = saved.classNames();
            if (numLabels != saved.numClasses()) {
                if (!newHead) {
                    throw new IllegalArgumentException(weightsOption + " has a classifier for " + saved.numClasses()
                            + " classes " + saved.classNames() + " but option 'model.options.numLabels' is " + numLabels
                            + "; set option 'model.options.head: new' to fine-tune a new head for your classes");
                }
                classes = numberedClasses(numLabels);
            } else if (newHead) {
                classes = numberedClasses(numLabels);
            }
            List<Integer> size = imageSize.isEmpty() ? List.of(saved.channels(), saved.height(), saved.width())
                    : imageSize(imageSize);
            if (size.get(0) != saved.channels()) {
                throw new IllegalArgumentException("option 'model.options.imageSize' has " + size.get(0) + " channels"
                        + " but " + weightsOption + "'s first convolution takes " + saved.channels()
                        + "; prepare the images with " + saved.channels() + " channels");
            }
            base = (newHead ? saved.withNewHead(classes) : saved).with(classes, size.get(0), size.get(1), size.get(2),
                    mean.isEmpty() ? saved.mean() : doubles(mean, "mean"),
                    std.isEmpty() ? saved.std() : doubles(std, "std"));
        }
        CnnModelOptions architecture = new CnnModelOptions(base, batchNorm, seed, freeze, precision);
        architecture.layout(); // a freeze prefix that matches nothing fails here, on the driver
        return new Resolved(architecture, newHead ? weights.withNewHead() : weights);
    }

    /**
     * The flat vector's layout: every tensor in torchvision's order. Convolution and linear weights are decayed;
     * biases and batch-norm parameters are not. Running statistics never train: they are constants under
     * {@link BatchNormMode#FROZEN}, and statistics the model updates under {@link BatchNormMode#BATCH}
     * ({@link ParameterSegment#statistic()}); segments under a {@link #freeze} prefix are not trained either.
     */
    public ParameterLayout layout() {
        List<ParameterSegment> segments = new ArrayList<>();
        long offset = 0;
        for (CnnArchitecture.Named t : config.tensors()) {
            boolean decay = t.role() == CnnArchitecture.Role.CONV_WEIGHT || t.role() == CnnArchitecture.Role.LINEAR_WEIGHT;
            boolean statistic = t.role().isRunningStatistic();
            ParameterSegment s = new ParameterSegment(t.name(), t.shape(), offset, decay, !statistic,
                    statistic && batchNorm == BatchNormMode.BATCH);
            segments.add(s);
            offset = s.end();
        }
        ParameterLayout layout = new ParameterLayout(segments);
        for (String p : freeze) {
            if (layout.segments().stream().noneMatch(s -> s.name().startsWith(p))) {
                throw new IllegalArgumentException("option 'model.options.freeze' prefix '" + p
                        + "' matches no parameter (names are torchvision's: " + config.tensors().get(0).name()
                        + ", " + config.headPrefixes().get(0) + "weight, ...)");
            }
        }
        return layout.freeze(name -> freeze.stream().anyMatch(name::startsWith));
    }

    private static List<String> numberedClasses(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("option 'model.options.numLabels' must be >= 2, got " + n);
        }
        return IntStream.range(0, n).mapToObj(i -> "class_" + i).toList();
    }

    private static List<Integer> imageSize(List<?> values) {
        if (values.size() != 3) {
            throw new IllegalArgumentException("option 'model.options.imageSize' must be [channels, height, width],"
                    + " got " + values);
        }
        List<Integer> out = new ArrayList<>();
        for (Object v : values) {
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
                throw new IllegalArgumentException("option 'model.options.imageSize' must hold positive integers,"
                        + " got " + values);
            }
            out.add(n.intValue());
        }
        return out;
    }

    private static List<Double> doubles(List<Object> values, String key) {
        List<Double> out = new ArrayList<>();
        for (Object v : values) {
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException("option 'model.options." + key + "' must hold numbers, got " + values);
            }
            out.add(n.doubleValue());
        }
        return out;
    }

    private static List<Double> defaultMean(int channels) {
        return channels == 3 ? IMAGENET_MEAN : java.util.Collections.nCopies(channels, 0.5);
    }

    private static List<Double> defaultStd(int channels) {
        return channels == 3 ? IMAGENET_STD : java.util.Collections.nCopies(channels, 0.5);
    }
}

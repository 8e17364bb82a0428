package dev.sparkft.cnn;

import dev.sparkft.hf.HuggingFaceFolder;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where a CNN's starting weights come from (driver only): random initialisation as torchvision's, or a CNN folder
 * (config.json + model.safetensors with torchvision's names), optionally with a fresh classifier head.
 */
public final class CnnWeights {
    public static final String RANDOM = "random";

    private final Path folder;
    private final CnnConfig config;
    private final boolean newHead;

    private CnnWeights(Path folder, CnnConfig config, boolean newHead) {
        this.folder = folder;
        this.config = config;
        this.newHead = newHead;
    }

    public static CnnWeights random() {
        return new CnnWeights(null, null, true);
    }

    /** A folder, its config read and its safetensors header checked now; the tensors are read by {@link #flatten}. */
    public static CnnWeights folder(Path folder) throws IOException {
        Path configFile = folder.resolve(HuggingFaceFolder.CONFIG);
        Path weights = folder.resolve(HuggingFaceFolder.WEIGHTS);
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(folder + " is not a CNN folder: it needs " + HuggingFaceFolder.CONFIG
                    + " and " + HuggingFaceFolder.WEIGHTS);
        }
        CnnConfig config = CnnConfig.read(configFile);
        Map<String, long[]> shapes = SafeTensors.readShapes(weights);
        for (CnnArchitecture.Named t : config.tensors()) {
            long[] shape = shapes.get(t.name());
            if (shape == null) {
                throw new IllegalArgumentException(weights + " lacks tensor '" + t.name() + "' of a "
                        + config.architecture().optionName() + " (" + HuggingFaceFolder.CONFIG + ")");
            }
            if (!Arrays.equals(shape, t.shape())) {
                throw new IllegalArgumentException(weights + ": tensor '" + t.name() + "' has shape "
                        + Arrays.toString(shape) + " but " + HuggingFaceFolder.CONFIG + " implies " + Arrays.toString(t.shape()));
            }
        }
        return new CnnWeights(folder, config, false);
    }

    /** The folder's config.json; only for weights read from a folder. */
    public CnnConfig config() {
        if (config == null) {
            throw new IllegalStateException("random weights have no folder config");
        }
        return config;
    }

    /** The same weights with the classifier head initialised afresh. */
    public CnnWeights withNewHead() {
        return new CnnWeights(folder, config, true);
    }

    /** The starting weights as the flat vector of {@code options}' layout. */
    public float[] flatten(CnnModelOptions options) {
        ParameterLayout layout = options.layout();
        Map<String, CnnArchitecture.Role> roles = new HashMap<>();
        for (CnnArchitecture.Named t : options.config().tensors()) {
            roles.put(t.name(), t.role());
        }
        Map<String, Tensor> saved = Map.of();
        if (folder != null) {
            try {
                saved = SafeTensors.read(folder.resolve(HuggingFaceFolder.WEIGHTS));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read " + folder.resolve(HuggingFaceFolder.WEIGHTS), e);
            }
        }
        List<String> head = options.config().headPrefixes();
        float[] flat = new float[layout.size()];
        for (ParameterSegment s : layout.segments()) {
            boolean fresh = folder == null || (newHead && head.stream().anyMatch(s.name()::startsWith));
            float[] values = fresh ? initial(s, roles.get(s.name()), options.seed()) : saved.get(s.name()).floats();
            System.arraycopy(values, 0, flat, (int) s.offset(), values.length);
        }
        return flat;
    }

    /**
     * torchvision's initialisation: convolutions Kaiming-normal (fan-out, ReLU gain), batch norm weight 1, bias 0,
     * running mean 0 and variance 1; the classifier normal(0, 0.01) with bias 0 (torchvision's MobileNetV2 head; a
     * new head on a pretrained backbone starts small). Each tensor has its own stream, seeded by the run's seed and
     * its name, so the values do not depend on the order of tensors.
     */
    private static float[] initial(ParameterSegment s, CnnArchitecture.Role role, long seed) {
        float[] v = new float[(int) s.length()];
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + s.name().hashCode());
        switch (role) {
            case CONV_WEIGHT -> {
                long[] shape = s.shape();
                double std = Math.sqrt(2.0 / (shape[0] * shape[2] * shape[3]));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextGaussian() * std);
                }
            }
            case LINEAR_WEIGHT -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextGaussian() * 0.01);
                }
            }
            case NORM_WEIGHT, RUNNING_VAR -> Arrays.fill(v, 1f);
            case LINEAR_BIAS, NORM_BIAS, RUNNING_MEAN -> Arrays.fill(v, 0f);
            default -> throw new IllegalStateException("no initialisation for " + role);
        }
        return v;
    }

    @Override
    public String toString() {
        return folder == null ? RANDOM : folder.toString();
    }
}

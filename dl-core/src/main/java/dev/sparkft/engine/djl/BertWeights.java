package dev.sparkft.engine.djl;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lays named weights (Hugging Face names) out as the flat vector. Encoder keys are accepted with the
 * {@code bert.} prefix of a full {@code BertFor*} checkpoint or without it (a bare {@code BertModel}).
 * A missing classifier (a pretrained encoder has none) starts from the seeded HF initialisation; any other
 * missing key or a shape mismatch fails naming it. Keys the model does not use are logged.
 */
public final class BertWeights {
    private static final Logger LOG = LoggerFactory.getLogger(BertWeights.class);

    private BertWeights() {
    }

    public static float[] flatten(ParameterLayout layout, Map<String, Tensor> weights, long seed) {
        float[] flat = new float[layout.size()];
        Set<String> used = new HashSet<>();
        List<String> initialised = new ArrayList<>();
        for (ParameterSegment s : layout.segments()) {
            String key = keyFor(s.name(), weights);
            Tensor t;
            if (key != null) {
                t = weights.get(key);
                used.add(key);
                if (!t.isFloat() || !Arrays.equals(t.shape(), s.shape())) {
                    throw new IllegalArgumentException("weight '" + key + "' is " + t + ", the model needs float"
                            + Arrays.toString(s.shape()) + "; check the checkpoint against the config");
                }
            } else if (s.name().startsWith("classifier.")) {
                t = RandomBertWeights.tensor(s, seed);
                initialised.add(s.name());
            } else {
                throw new IllegalArgumentException("the weights lack '" + s.name() + "' (also looked for '"
                        + bare(s.name()) + "'); they hold " + weights.size() + " tensors");
            }
            System.arraycopy(t.floats(), 0, flat, (int) s.offset(), t.floats().length);
        }
        if (!initialised.isEmpty()) {
            LOG.info("new head, initialised with seed {}: {}", seed, initialised);
        }
        List<String> unused = weights.keySet().stream().filter(k -> !used.contains(k)).sorted().toList();
        if (!unused.isEmpty()) {
            LOG.info("weights not used by this model: {}", unused);
        }
        return flat;
    }

    private static String keyFor(String name, Map<String, Tensor> weights) {
        if (weights.containsKey(name)) {
            return name;
        }
        String bare = bare(name);
        return weights.containsKey(bare) ? bare : null;
    }

    private static String bare(String name) {
        return name.startsWith(BertParameterNames.ENCODER_PREFIX)
                ? name.substring(BertParameterNames.ENCODER_PREFIX.length()) : name;
    }
}

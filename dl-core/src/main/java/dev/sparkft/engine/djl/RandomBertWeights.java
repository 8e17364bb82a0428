package dev.sparkft.engine.djl;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Hugging Face's BERT initialisation, seeded: N(0, 0.02) for matrices and embedding tables, zero biases,
 * LayerNorm weight 1 and bias 0. Each tensor draws from its own stream seeded by (seed, name), so a tensor's
 * values do not depend on which others exist. (HF also zeroes the padding token's embedding row; the config
 * carries no pad id, so that row stays random.)
 */
public final class RandomBertWeights implements Supplier<Map<String, Tensor>> {
    private static final double STDDEV = 0.02;

    private final ParameterLayout layout;
    private final long seed;

    public RandomBertWeights(ParameterLayout layout, long seed) {
        this.layout = layout;
        this.seed = seed;
    }

    @Override
    public Map<String, Tensor> get() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ParameterSegment s : layout.segments()) {
            out.put(s.name(), tensor(s, seed));
        }
        return out;
    }

    /** The seeded initial value of one segment. */
    public static Tensor tensor(ParameterSegment s, long seed) {
        float[] data = new float[Math.toIntExact(s.length())];
        if (s.name().endsWith(".bias")) {
            return Tensor.ofFloats(data, s.shape());
        }
        if (s.name().contains("LayerNorm.")) {
            java.util.Arrays.fill(data, 1f);
            return Tensor.ofFloats(data, s.shape());
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + s.name().hashCode());
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() * STDDEV);
        }
        return Tensor.ofFloats(data, s.shape());
    }
}

package dev.sparkft.bert;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.model.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hugging Face's BERT initialisation, seeded: N(0, 0.02) for matrices and embedding tables, zero biases,
 * LayerNorm weight 1 and bias 0. Each tensor draws from its own stream seeded by (seed, full checkpoint name),
 * so a tensor's values do not depend on which others exist. (HF also zeroes the padding token's embedding row;
 * the config carries no pad id, so that row stays random.)
 */
public final class RandomBertWeights {
    private static final double STDDEV = 0.02;

    private RandomBertWeights() {
    }

    /** A whole seeded encoder, pooler included. */
    public static BertWeights encoder(BertConfig config, long seed) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        BertWeights.expectedShapes(config).forEach((key, shape) ->
                tensors.put(key, tensor(BertParameterNames.ENCODER_PREFIX + key, shape, seed)));
        return new BertWeights(config, tensors);
    }

    /** The seeded initial value of the parameter with checkpoint name {@code name} (e.g. classifier.weight). */
    public static Tensor tensor(String name, long[] shape, long seed) {
        float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
        if (name.endsWith(".bias")) {
            return Tensor.ofFloats(data, shape);
        }
        if (name.contains("LayerNorm.")) {
            Arrays.fill(data, 1f);
            return Tensor.ofFloats(data, shape);
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() * STDDEV);
        }
        return Tensor.ofFloats(data, shape);
    }
}

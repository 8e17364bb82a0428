package dev.sparkft.hf;

import dev.sparkft.model.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A small BERT with random weights, for format tests that need every key but not real values. */
final class TinyBert {

    static final BertConfig CONFIG = new BertConfig(50, 8, 2, 2, 16, 12, 2, 1e-12, "gelu");

    private TinyBert() {
    }

    static BertWeights weights(long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        BertWeights.expectedShapes(CONFIG).forEach((k, shape) -> tensors.put(k, random(random, shape)));
        return new BertWeights(CONFIG, tensors);
    }

    static ClassifierHead head(long seed, List<String> labels) {
        Random random = new Random(seed);
        return new ClassifierHead(labels, random(random, labels.size(), CONFIG.hiddenSize()),
                random(random, labels.size()));
    }

    static Tensor random(Random random, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(data, shape);
    }
}

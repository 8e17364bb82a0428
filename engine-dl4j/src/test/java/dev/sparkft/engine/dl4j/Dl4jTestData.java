package dev.sparkft.engine.dl4j;

import dev.sparkft.model.Batch;
import dev.sparkft.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Seeded random image batches ({@code features} in [0, 1), {@code label} ids) for the DL4J tests. */
final class Dl4jTestData {
    private Dl4jTestData() {
    }

    static Batch batch(int n, int inputSize, int classes, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * inputSize];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(classes);
        }
        return batch(x, y, inputSize);
    }

    static Batch batch(float[] x, int[] y, int inputSize) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("features", Tensor.ofFloats(x, y.length, inputSize));
        t.put("label", Tensor.ofInts(y, y.length));
        return new Batch(t);
    }

    /** Rows [from, to) of a batch made by {@link #batch}. */
    static Batch rows(Batch b, int from, int to) {
        Tensor f = b.get("features");
        int d = (int) f.shape()[1];
        float[] x = java.util.Arrays.copyOfRange(f.floats(), from * d, to * d);
        int[] y = java.util.Arrays.copyOfRange(b.get("label").ints(), from, to);
        return batch(x, y, d);
    }
}

package dev.sparkft.engine.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.testing.Models;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Dl4jNetworkModelTest {
    private static final Map<String, Object> CNN = Map.of("architecture", "cnn", "inputShape", List.of(1, 16, 16),
            "numClasses", 4, "hidden", List.of(10), "filters", List.of(3, 5));
    private static final int CNN_INPUT = 16 * 16;

    private static Dl4jNetworkModel cnn() {
        return (Dl4jNetworkModel) Models.create(new ModelSpec("dl4j", CNN));
    }

    /** The seam's sums add over any split: full batch == first half + second half (float, normwise 1e-5). */
    @Test
    void gradientOfBatchIsSumOfItsHalves() {
        try (Dl4jNetworkModel model = cnn()) {
            Batch full = Dl4jTestData.batch(10, CNN_INPUT, 4, 3);
            int size = model.layout().size();
            float[] whole = new float[size];
            LossSum wholeLoss = model.accumulateGradient(full, whole);
            float[] halves = new float[size];
            LossSum first = model.accumulateGradient(Dl4jTestData.rows(full, 0, 4), halves);
            LossSum second = model.accumulateGradient(Dl4jTestData.rows(full, 4, 10), halves);
            double maxAbs = 0;
            double maxDiff = 0;
            for (int i = 0; i < size; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(whole[i]));
                maxDiff = Math.max(maxDiff, Math.abs(whole[i] - halves[i]));
            }
            assertTrue(maxAbs > 1e-3, "gradient is ~zero: " + maxAbs);
            assertTrue(maxDiff <= 1e-5 * maxAbs, "max difference " + maxDiff + " vs max gradient " + maxAbs);
            assertEquals(10, wholeLoss.weight());
            assertEquals(wholeLoss.loss(), first.plus(second).loss(), 1e-5 * wholeLoss.loss());
            // Softmax over 4 classes at initialisation: the mean loss is near ln 4, not a regularised score.
            assertEquals(Math.log(4), wholeLoss.mean(), 0.5);
        }
    }

    /** The loss sum is the cross-entropy of the predicted probabilities, summed: no regularisation term. */
    @Test
    void lossIsSummedCrossEntropyOfPredictions() {
        try (Dl4jNetworkModel model = cnn()) {
            Batch b = Dl4jTestData.batch(6, CNN_INPUT, 4, 21);
            float[] probabilities = model.predict(b).floats();
            double expected = 0;
            int[] y = b.get("label").ints();
            for (int i = 0; i < y.length; i++) {
                expected -= Math.log(probabilities[i * 4 + y[i]]);
            }
            LossSum loss = model.accumulateGradient(b, new float[model.layout().size()]);
            assertEquals(expected, loss.loss(), 1e-5 * expected);
            assertEquals(6, loss.weight());
        }
    }

    @Test
    void layoutFollowsTheParamTable() {
        try (Dl4jNetworkModel model = cnn()) {
            float[] flat = model.initialParameters();
            assertEquals(model.network().numParams(), flat.length);
            assertEquals(flat.length, model.layout().size());
            Map<String, INDArray> table = model.network().paramTable();
            assertEquals(table.keySet(), model.layout().segments().stream().map(ParameterSegment::name)
                    .collect(java.util.stream.Collectors.toSet()));
            for (ParameterSegment s : model.layout().segments()) {
                // The segment's slice read row-major with the segment's shape is the parameter (transposed
                // for DL4J's column-major dense weights).
                INDArray p = table.get(s.name());
                float[] slice = java.util.Arrays.copyOfRange(flat, (int) s.offset(), (int) s.end());
                INDArray read = Nd4j.createFromArray(slice).reshape('c', s.shape());
                assertEquals(p.ordering() == 'f' && p.rank() == 2 ? p.transpose() : p, read, s.name());
                assertEquals(s.name().endsWith("_W"), s.decay(), s.name());
                assertTrue(s.trainable());
            }
            assertEquals(List.of(3L, 1L, 5L, 5L), shape(model, "0_W"));
            assertEquals(List.of(3L), shape(model, "0_b"));
            assertEquals(List.of(10L), shape(model, "4_b"));
            assertEquals(List.of(10L, 5 * 1 * 1L), shape(model, "4_W"), "dense [nOut, nIn] after 16->12->6->2->1 pixels");
            assertEquals(List.of(4L, 10L), shape(model, "5_W"));
            assertEquals(List.of("features", "label"), model.inputColumns());
        }
    }

    private static List<Long> shape(Dl4jNetworkModel model, String name) {
        return java.util.Arrays.stream(model.layout().segment(name).shape()).boxed().toList();
    }

    @Test
    void setParametersAndPredict() {
        try (Dl4jNetworkModel model = cnn()) {
            float[] flat = model.initialParameters();
            for (int i = 0; i < flat.length; i++) {
                flat[i] *= 0.5f;
            }
            model.setParameters(flat);
            assertArrayEquals(flat, model.initialParameters(), 0f);
            Batch b = Dl4jTestData.batch(3, CNN_INPUT, 4, 9);
            Tensor p = model.predict(b);
            assertArrayEquals(new long[] {3, 4}, p.shape());
            for (int r = 0; r < 3; r++) {
                double sum = 0;
                for (int c = 0; c < 4; c++) {
                    float v = p.floats()[r * 4 + c];
                    assertTrue(v > 0 && v < 1, "probability " + v);
                    sum += v;
                }
                assertEquals(1.0, sum, 1e-5);
            }
            assertThrows(IllegalArgumentException.class, () -> model.setParameters(new float[flat.length - 1]));
        }
    }

    @Test
    void badLabelNamesValueAndRange() {
        try (Dl4jNetworkModel model = cnn()) {
            float[] x = new float[2 * CNN_INPUT];
            Batch b = Dl4jTestData.batch(x, new int[] {1, 7}, CNN_INPUT);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.accumulateGradient(b, new float[model.layout().size()]));
            assertTrue(e.getMessage().contains("label 7") && e.getMessage().contains("row 1")
                    && e.getMessage().contains("[0, 3]"), e.getMessage());
        }
    }

    @Test
    void wrongFeatureWidthIsRejected() {
        try (Dl4jNetworkModel model = cnn()) {
            Batch b = Dl4jTestData.batch(2, 100, 4, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.predict(b));
            assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("256"), e.getMessage());
        }
    }

    @Test
    void unknownOrBadOptionsAreRejectedByName() {
        Map<String, Object> typo = new HashMap<>(CNN);
        typo.put("filtres", List.of(3, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dl4jEngine().resolve(new ModelSpec("dl4j", typo)));
        assertTrue(e.getMessage().contains("model.options.filtres"), e.getMessage());

        Map<String, Object> small = new HashMap<>(CNN);
        small.put("inputShape", List.of(1, 8, 8));
        e = assertThrows(IllegalArgumentException.class, () -> new Dl4jEngine().resolve(new ModelSpec("dl4j", small)));
        assertTrue(e.getMessage().contains("inputShape") && e.getMessage().contains("16"), e.getMessage());

        Map<String, Object> missing = new HashMap<>(CNN);
        missing.remove("numClasses");
        e = assertThrows(IllegalArgumentException.class, () -> new Dl4jEngine().resolve(new ModelSpec("dl4j", missing)));
        assertTrue(e.getMessage().contains("model.options.numClasses"), e.getMessage());
    }

    @Test
    void serviceLoaderFindsTheEngine() {
        Map<String, Object> mlp = Map.of("architecture", "mlp", "inputShape", List.of(1, 2, 3), "numClasses", 2,
                "hidden", List.of(4));
        try (TrainableModel model = Models.create(new ModelSpec("dl4j", mlp))) {
            assertInstanceOf(Dl4jNetworkModel.class, model);
            // 6*4 + 4 + 4*2 + 2 parameters.
            assertEquals(38, model.layout().size());
            assertFalse(model.layout().segment("0_b").decay());
        }
    }

    @Test
    void sameSeedSameInitialisation() {
        try (Dl4jNetworkModel a = cnn(); Dl4jNetworkModel b = cnn()) {
            assertArrayEquals(a.initialParameters(), b.initialParameters(), 0f);
        }
    }
}

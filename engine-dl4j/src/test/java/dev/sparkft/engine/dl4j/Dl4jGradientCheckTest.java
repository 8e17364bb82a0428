package dev.sparkft.engine.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.testing.Models;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The seam's summed-loss gradient against central finite differences of the summed loss, in float64:
 * relative error at most 1e-5 wherever the two differ by more than 1e-9 in absolute terms (below that the
 * difference is rounding of a near-zero gradient).
 */
class Dl4jGradientCheckTest {
    private static final double EPS = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;

    @Test
    void tinyMlp() {
        check(Map.of("architecture", "mlp", "inputShape", List.of(1, 4, 4), "numClasses", 3,
                "hidden", List.of(5, 4), "dataType", "double", "seed", 3), 16);
    }

    @Test
    void tinyCnn() {
        check(Map.of("architecture", "cnn", "inputShape", List.of(2, 16, 16), "numClasses", 3,
                "hidden", List.of(6), "filters", List.of(2, 3), "dataType", "double", "seed", 5), 2 * 16 * 16);
    }

    private static void check(Map<String, Object> options, int inputSize) {
        try (Dl4jNetworkModel model = (Dl4jNetworkModel) Models.create(new ModelSpec("dl4j", options))) {
            Batch batch = Dl4jTestData.batch(5, inputSize, 3, 17);
            int size = model.layout().size();
            float[] analytic = new float[size];
            model.accumulateGradient(batch, analytic);

            MultiLayerNetwork net = model.network();
            INDArray params = net.params();
            float[] scratch = new float[size];
            Random pick = new Random(1);
            int checked = 0;
            int nonZero = 0;
            double worst = 0;
            for (int k = 0; k < Math.min(size, 400); k++) {
                int i = size <= 400 ? k : pick.nextInt(size);
                double original = params.getDouble(i);
                params.putScalar(i, original + EPS);
                double plus = model.accumulateGradient(batch, scratch).loss();
                params.putScalar(i, original - EPS);
                double minus = model.accumulateGradient(batch, scratch).loss();
                params.putScalar(i, original);
                double numeric = (plus - minus) / (2 * EPS);
                double diff = Math.abs(numeric - analytic[i]);
                checked++;
                if (Math.abs(numeric) > 1e-6) {
                    nonZero++;
                }
                if (diff > MIN_ABSOLUTE_ERROR) {
                    double relative = diff / Math.max(Math.abs(numeric), Math.abs(analytic[i]));
                    worst = Math.max(worst, relative);
                    assertTrue(relative <= MAX_RELATIVE_ERROR, "parameter " + i + " (" + segmentOf(model, i) + "): analytic "
                            + analytic[i] + " vs numeric " + numeric + ", relative error " + relative);
                }
            }
            System.out.printf("%s gradient check: %d of %d parameters, %d non-zero, worst relative error %.2e%n",
                    options.get("architecture"), checked, size, nonZero, worst);
            assertTrue(nonZero > checked / 2, "only " + nonZero + " of " + checked + " gradients are non-zero");
        }
    }

    private static String segmentOf(Dl4jNetworkModel model, int index) {
        return model.layout().segments().stream().filter(s -> index >= s.offset() && index < s.end())
                .findFirst().orElseThrow().name();
    }
}

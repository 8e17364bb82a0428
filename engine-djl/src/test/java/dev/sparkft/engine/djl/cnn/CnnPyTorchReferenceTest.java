package dev.sparkft.engine.djl.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.cnn.CnnArchitecture;
import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.testing.ChildProcess;
import dev.sparkft.testing.Models;
import dev.sparkft.testing.PythonReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forward and backward of every architecture against an independent PyTorch 2.13 implementation written after
 * torchvision (scripts/reference/cnn_models.py), on the same weights (seeded by the reference, batch norms
 * non-trivial) and batch, in fp32: logits within 1e-4 absolute of the fp32 reference, the summed loss within 1e-4
 * relative, and every parameter's gradient against the reference computed in fp64: within
 * {@value #GRADIENT_TOLERANCE} relative (L2 norm of the difference over the fp64 gradient's), or, where fp32 rounding
 * dominates, no further from fp64 than {@value #ROUNDING_FACTOR} times the fp32 reference itself is. The second
 * case is real: under batch statistics a batch-norm bias followed (through linear layers) by another batch norm
 * has a gradient that cancels to rounding noise. Both batch-norm modes: running statistics (the fine-tuning default)
 * and batch statistics.
 */
class CnnPyTorchReferenceTest {
    private static final double LOGIT_TOLERANCE = 1e-4;
    private static final double GRADIENT_TOLERANCE = 1e-4;
    private static final double ROUNDING_FACTOR = 10;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(CnnArchitecture.RESNET18, 3, 64, 64, CnnConfig.Padding.SYMMETRIC, CnnConfig.Stem.IMAGENET, "batch"),
                Arguments.of(CnnArchitecture.RESNET18, 1, 28, 28, CnnConfig.Padding.SYMMETRIC, CnnConfig.Stem.SMALL, "frozen"),
                Arguments.of(CnnArchitecture.RESNET34, 3, 32, 32, CnnConfig.Padding.SYMMETRIC, CnnConfig.Stem.SMALL, "frozen"),
                Arguments.of(CnnArchitecture.RESNET50, 3, 48, 48, CnnConfig.Padding.SYMMETRIC, CnnConfig.Stem.IMAGENET, "frozen"),
                Arguments.of(CnnArchitecture.MOBILENET_V2, 3, 64, 64, CnnConfig.Padding.SYMMETRIC, CnnConfig.Stem.IMAGENET, "frozen"),
                Arguments.of(CnnArchitecture.MOBILENET_V2, 3, 64, 64, CnnConfig.Padding.SYMMETRIC, CnnConfig.Stem.IMAGENET, "batch"),
                Arguments.of(CnnArchitecture.MOBILENET_V2, 3, 57, 60, CnnConfig.Padding.TF_SAME, CnnConfig.Stem.IMAGENET, "frozen"));
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3} {4} {5} batch norm {6}")
    @MethodSource("cases")
    void forwardAndGradientsMatchPyTorch(CnnArchitecture architecture, int c, int h, int w, CnnConfig.Padding padding,
            CnnConfig.Stem stem, String batchNorm) throws Exception {
        Path python = PythonReference.require(getClass());
        int classes = 5;
        CnnConfig config = CnnFixtures.config(architecture, c, h, w, classes, padding, stem);
        Path folder = CnnFixtures.folder(python, dir.resolve("model"), config, 7);
        Batch batch = CnnFixtures.batch(config, 4, 11);
        Path batchFile = CnnFixtures.writeBatch(dir.resolve("batch.safetensors"), config, batch);
        String mode = batchNorm.equals("batch") ? "batch_bn" : "eval_bn";
        Map<String, Tensor> reference = reference(python, folder, batchFile, mode, "float32");
        Map<String, Tensor> exact = reference(python, folder, batchFile, mode, "float64");

        var spec = CnnFixtures.spec(folder, classes, batchNorm);
        try (TrainableModel model = Models.create(spec)) {
            model.setParameters(Models.initial(spec));
            float[] gradient = new float[model.layout().size()];
            LossSum loss = model.accumulateGradient(batch, gradient);
            float[] logits = batchNorm.equals("batch") ? null : model.predict(batch).floats();

            double lossRef = exact.get("loss_sum").floats()[0];
            assertEquals(lossRef, loss.loss(), 1e-4 * Math.max(1, Math.abs(lossRef)), "summed loss");
            if (logits != null) {
                double logitDiff = maxAbsDiff(logits, reference.get("logits").floats());
                System.out.printf("%s %s: max |logit diff| %.2e%n", architecture.optionName(), batchNorm, logitDiff);
                assertTrue(logitDiff <= LOGIT_TOLERANCE, "max |logit diff| " + logitDiff);
            }
            double worst = 0;
            double relativeWorst = 0;
            String worstName = "";
            for (ParameterSegment s : model.layout().segments()) {
                if (!s.trainable()) {
                    continue;
                }
                float[] ref = exact.get("grad." + s.name()).floats();
                float[] ref32 = reference.get("grad." + s.name()).floats();
                double ours = distance(gradient, (int) s.offset(), ref);
                double rounding = distance(ref32, 0, ref);
                double allowed = Math.max(GRADIENT_TOLERANCE * norm(ref), ROUNDING_FACTOR * rounding);
                relativeWorst = Math.max(relativeWorst, ours / Math.max(norm(ref), 1e-30));
                if (ours / allowed > worst) {
                    worst = ours / allowed;
                    worstName = s.name() + String.format(" (|ours - fp64| %.2e, |fp32 reference - fp64| %.2e, |fp64| %.2e)",
                            ours, rounding, norm(ref));
                }
            }
            if (batchNorm.equals("batch")) {
                // The statistics' slots carry n × (current - updated); PyTorch's running statistics after the batch.
                float[] start = Models.initial(spec);
                double worstStatistic = 0;
                int statistics = 0;
                for (ParameterSegment s : model.layout().segments()) {
                    if (s.statistic()) {
                        statistics++;
                        float[] ref = reference.get(s.name()).floats();
                        for (int i = 0; i < ref.length; i++) {
                            int at = (int) s.offset() + i;
                            double ours = start[at] - gradient[at] / batch.size();
                            worstStatistic = Math.max(worstStatistic, Math.abs(ours - ref[i]) / Math.max(1, Math.abs(ref[i])));
                        }
                    }
                }
                System.out.printf("%s batch: %d running statistics updated as PyTorch's within %.2e%n",
                        architecture.optionName(), statistics, worstStatistic);
                assertTrue(statistics > 0 && worstStatistic <= 1e-5, "running statistics differ by " + worstStatistic);
            }
            System.out.printf("%s %s: gradients at %.2f of the allowed error, worst %s; max relative error"
                    + " %.2e%n", architecture.optionName(), batchNorm, worst, worstName, relativeWorst);
            assertTrue(worst <= 1, "gradient of " + worstName);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length, "lengths");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private Map<String, Tensor> reference(Path python, Path folder, Path batchFile, String mode, String dtype)
            throws Exception {
        Path out = dir.resolve("reference-" + dtype + ".safetensors");
        ChildProcess.Result r = PythonReference.run(python, Duration.ofSeconds(180), "cnn_reference.py", "run",
                folder.toString(), batchFile.toString(), out.toString(), "--mode", mode, "--dtype", dtype);
        assertEquals(0, r.exitCode(), r.tail());
        return SafeTensors.read(out);
    }

    /** L2 distance between {@code values[offset, offset + ref.length)} and {@code ref}. */
    private static double distance(float[] values, int offset, float[] ref) {
        double sum = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = values[offset + i] - ref[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    private static double norm(float[] values) {
        return distance(values, 0, new float[values.length]);
    }
}

package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.sparkft.bert.BertHead;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.bert.LoraOptions;
import dev.sparkft.bert.BertTask;
import dev.sparkft.bert.Precision;
import dev.sparkft.bert.Pooling;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Autograd gradients of encoder + head against central finite differences, everything in float64, on a tiny
 * config with padded examples. Every parameter tensor is probed at several elements (for the word embeddings,
 * rows of tokens in the batch). Error per element: |analytic - numeric| / max(|analytic|, |numeric|, 1e-3).
 */
class BertGradientCheckTest {
    private static final double STEP = 1e-5;
    private static final double TOLERANCE = 1e-6;
    private static final int PROBES_PER_TENSOR = 5;
    // Denominator floor: the difference quotient carries about 1e-10 of rounding noise (loss ~ 10, ulp 2e-15,
    // step 1e-5), and some gradients are exactly zero in theory (attention key biases: softmax is shift-invariant).
    private static final double FLOOR = 1e-3;

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void sequenceClassificationWithPooler() {
        check(new BertHead(BertTask.SEQUENCE_CLASSIFICATION, 3, Pooling.CLS));
    }

    @Test
    void sequenceClassificationWithMeanPooling() {
        check(new BertHead(BertTask.SEQUENCE_CLASSIFICATION, 3, Pooling.MEAN));
    }

    @Test
    void tokenClassificationIgnoringUnlabelledTokens() {
        check(new BertHead(BertTask.TOKEN_CLASSIFICATION, 3, Pooling.CLS));
    }

    /** LoRA adapters on all six module kinds, rank 2, alpha 3 (scaling 1.5), over a frozen encoder. */
    @Test
    void loraAdaptersOnEveryModuleKind() {
        check(new BertHead(BertTask.SEQUENCE_CLASSIFICATION, 3, Pooling.CLS), new LoraOptions(2, 3, LoraOptions.MODULES));
    }

    private void check(BertHead head) {
        check(head, null);
    }

    private void check(BertHead head, LoraOptions lora) {
        BertModelOptions options = new BertModelOptions(TinyBert.CONFIG, head, 7, List.of(), Precision.FP32, lora);
        ParameterLayout layout = options.layout();
        BertClassifier model = new BertClassifier(TinyBert.CONFIG, head, lora);
        Batch batch = TinyBert.batch(3, 5, head.numLabels(), 11);
        double[] theta = randomParameters(layout, 5);
        try (NDManager scope = manager.newSubManager()) {
            ParameterArrays params = new ParameterArrays(scope, layout, DataType.FLOAT64);
            params.set(theta);
            ParameterArrays frozen = null;
            if (lora != null) {
                frozen = new ParameterArrays(scope, options.frozenLayout(), DataType.FLOAT64);
                frozen.set(randomParameters(options.frozenLayout(), 6));
            }
            double[] analytic = new double[layout.size()];
            try (NDManager step = scope.newSubManager()) {
                BertInputs in = BatchArrays.inputs(step, batch, TinyBert.CONFIG);
                NDArray labels = BatchArrays.labels(step, batch, head);
                BertBackward.run(step, model, params, frozen, Precision.FP32, in, labels, (s, g) ->
                        System.arraycopy(g.toDoubleArray(), 0, analytic, (int) s.offset(), (int) s.length()));
            }
            int[] ids = batch.get(BatchArrays.INPUT_IDS).ints();
            Random r = new Random(3);
            double worst = 0;
            String worstAt = "";
            int probed = 0;
            for (ParameterSegment s : layout.segments()) {
                for (int k = 0; k < PROBES_PER_TENSOR; k++) {
                    int index = probe(s, ids, r);
                    double numeric = (loss(scope, model, params, frozen, theta, batch, index, STEP)
                            - loss(scope, model, params, frozen, theta, batch, index, -STEP)) / (2 * STEP);
                    double a = analytic[index];
                    double err = Math.abs(a - numeric) / Math.max(Math.max(Math.abs(a), Math.abs(numeric)), FLOOR);
                    if (err > worst) {
                        worst = err;
                        worstAt = s.name() + "[" + (index - s.offset()) + "] analytic " + a + " numeric " + numeric;
                    }
                    probed++;
                }
            }
            System.out.printf("gradient check %s: %d elements of %d tensors, worst relative error %.3g at %s%n",
                    head, probed, layout.segments().size(), worst, worstAt);
            assertTrue(worst <= TOLERANCE, "worst relative error " + worst + " at " + worstAt);
            assertTrue(nonZero(analytic) > layout.size() / 2, "most gradients must be non-zero");
        }
    }

    /** The loss with one element moved; the forward's arrays live in the step manager (made from its inputs). */
    private static double loss(NDManager scope, BertClassifier model, ParameterArrays params, ParameterArrays frozen,
            double[] theta, Batch batch, int index, double delta) {
        double saved = theta[index];
        theta[index] = saved + delta;
        params.set(theta);
        theta[index] = saved;
        try (NDManager step = scope.newSubManager()) {
            BertInputs in = BatchArrays.inputs(step, batch, TinyBert.CONFIG);
            Function<String, NDArray> lookup = name -> frozen != null && !name.contains(".lora_")
                    && !name.startsWith("classifier.") ? frozen.get(name) : params.get(name);
            return model.lossSum(lookup, in, BatchArrays.labels(step, batch, model.head())).getDouble();
        } finally {
            params.set(theta);
        }
    }

    /** A flat index inside {@code s}; word-embedding probes hit rows of tokens present in the batch. */
    private static int probe(ParameterSegment s, int[] ids, Random r) {
        long[] shape = s.shape();
        if (s.name().endsWith("word_embeddings.weight")) {
            int row = ids[r.nextInt(ids.length)];
            return (int) (s.offset() + row * shape[1] + r.nextInt((int) shape[1]));
        }
        if (s.name().endsWith("position_embeddings.weight")) {
            return (int) (s.offset() + r.nextInt(5) * shape[1] + r.nextInt((int) shape[1]));
        }
        return (int) (s.offset() + r.nextInt((int) s.length()));
    }

    /** Parameters large enough that every path carries a visible gradient (HF's 0.02 would hide some). */
    private static double[] randomParameters(ParameterLayout layout, long seed) {
        Random r = new Random(seed);
        double[] theta = new double[layout.size()];
        for (ParameterSegment s : layout.segments()) {
            boolean gain = s.name().contains("LayerNorm.weight");
            for (int i = 0; i < s.length(); i++) {
                theta[(int) s.offset() + i] = (gain ? 1 : 0) + 0.3 * r.nextGaussian();
            }
        }
        return theta;
    }

    private static long nonZero(double[] values) {
        return java.util.Arrays.stream(values).filter(v -> v != 0).count();
    }
}

package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkft.model.ParameterSegment;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One forward and backward pass of a {@link BertClassifier}, safe on any thread and with no stale gradients.
 *
 * <p>DJL's {@code GradientCollector} is not used: in 0.35.1 its "collecting" flag is JVM-wide (a second
 * Spark task thread fails with "already collecting") and gradients accumulate across backward calls. Here
 * autograd's grad mode, which libtorch keeps per thread, is switched on for this thread only, and each trainable
 * parameter is differentiated through a fresh leaf that shares its storage ({@code detach()}): the leaf's
 * gradient starts undefined, so backward writes it without zeroing or adding (PyTorch's
 * {@code zero_grad(set_to_none=True)}), and it dies with the step's manager. Frozen parameters enter the graph
 * as they are and get no gradient.
 */
public final class BertBackward {

    /** Receives each trainable segment's gradient; the array is valid only during the call. */
    @FunctionalInterface
    public interface GradientSink {
        void accept(ParameterSegment segment, NDArray gradient);
    }

    private BertBackward() {
    }

    /**
     * Computes the summed loss and hands every trainable segment's gradient to {@code sink}. All temporaries
     * live in {@code step}, which the caller closes.
     */
    public static double run(NDManager step, BertClassifier model, BertParameters params, BertInputs in,
            NDArray labels, GradientSink sink) {
        boolean wasEnabled = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            Map<String, NDArray> leaves = new HashMap<>();
            for (ParameterSegment s : params.layout().segments()) {
                NDArray p = params.get(s.name());
                if (s.trainable()) {
                    PtNDArray leaf = JniUtils.detachGradient((PtNDArray) p);
                    leaf.attach(step);
                    leaf.setRequiresGradient(true);
                    p = leaf;
                }
                leaves.put(s.name(), p);
            }
            NDArray loss = model.lossSum(leaves::get, in, labels);
            JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
            for (ParameterSegment s : params.layout().segments()) {
                if (s.trainable()) {
                    sink.accept(s, leaves.get(s.name()).getGradient());
                }
            }
            return loss.getDataType() == DataType.FLOAT64 ? loss.getDouble() : loss.getFloat();
        } finally {
            JniUtils.setGradMode(wasEnabled);
        }
    }

    /** Logits at the current parameters, with grad mode off on this thread. */
    public static NDArray logits(BertClassifier model, BertParameters params, BertInputs in) {
        return withoutGrad(() -> model.logits(params::get, in));
    }

    /** The encoder's last hidden state at the current parameters, with grad mode off on this thread. */
    public static NDArray lastHiddenState(BertClassifier model, BertParameters params, BertInputs in) {
        return withoutGrad(() -> model.encoder().forward(params::get, in, false).hidden());
    }

    private static NDArray withoutGrad(Supplier<NDArray> forward) {
        boolean wasEnabled = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return forward.get();
        } finally {
            JniUtils.setGradMode(wasEnabled);
        }
    }
}

package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * libtorch's autograd as every model here uses it, safe on any Spark task thread. DJL's {@code GradientCollector}
 * is not used: in 0.35.1 its "collecting" flag is JVM-wide (a second task thread fails with "already collecting")
 * and gradients accumulate across backward calls. Instead grad mode, which libtorch keeps per thread, is switched
 * for the calling thread only, and each trainable parameter is differentiated through a fresh {@link #leaf} that
 * shares its storage: its gradient starts undefined, so backward writes it without zeroing or adding (PyTorch's
 * {@code zero_grad(set_to_none=True)}), and it dies with the step's manager.
 */
public final class Autograd {

    private Autograd() {
    }

    /** Runs {@code body} with grad mode {@code enabled} on this thread, restoring the previous mode. */
    public static <T> T withGradMode(boolean enabled, Supplier<T> body) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        try {
            return body.get();
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /** A new leaf sharing {@code master}'s storage that requires a gradient; it belongs to {@code step}. */
    public static NDArray leaf(NDManager step, NDArray master) {
        NDArray w = JniUtils.detachGradient((PtNDArray) master);
        w.attach(step);
        w.setRequiresGradient(true);
        return w;
    }

    /** Back-propagates from the scalar {@code loss}. */
    public static void backward(NDArray loss) {
        JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
    }
}

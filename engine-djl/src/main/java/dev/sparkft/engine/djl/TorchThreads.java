package dev.sparkft.engine.djl;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs libtorch's thread settings once per JVM. One intra-op thread is the setting that guarantees
 * bit-identical gradients: every reduction (sgemm's inner products, ATen's sums for bias and LayerNorm
 * gradients, embedding-gradient accumulation) then runs in one fixed order. With more threads a sum is split
 * into per-thread partial sums whose split points depend on the number of threads actually used, which MKL
 * may choose at run time (MKL_DYNAMIC) and which differs between machines; float addition is not
 * associative, so the last bits can change. The settings come from the system properties
 * {@code ai.djl.pytorch.num_threads} / {@code num_interop_threads}, read when the engine loads.
 */
public final class TorchThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TorchThreads.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private TorchThreads() {
    }

    /** Call after the PyTorch engine has loaded. */
    public static void logOnce() {
        if (!LOGGED.compareAndSet(false, true)) {
            return;
        }
        int intra = JniUtils.getNumThreads();
        int inter = JniUtils.getNumInteropThreads();
        if (intra == 1) {
            LOG.info("libtorch threads: intra-op 1, inter-op {}: gradients are bit-reproducible", inter);
        } else {
            LOG.warn("libtorch threads: intra-op {}, inter-op {}: gradients may differ between runs or machines in the last"
                    + " bits; set -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 before the"
                    + " engine loads for bit-identical gradients (about 1.7x slower on 2 cores)", intra, inter);
        }
    }
}

package dev.sparkft.engine.djl;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs libtorch's thread settings once per JVM. With one intra-op thread gradients are bit-identical run to
 * run; with more, MKL's multithreaded sgemm and ATen's parallel kernels split sums into per-thread partial
 * sums whose split and combination order depend on the thread count, the runtime's thread teams and buffer
 * alignment, so the last bits may change between runs. The settings come from the system properties
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
            LOG.warn("libtorch threads: intra-op {}, inter-op {}: gradients may differ between runs in the last"
                    + " bits; set -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 before the"
                    + " engine loads for bit-identical gradients (about 1.7x slower on 2 cores)", intra, inter);
        }
    }
}

package dev.sparkft.optim;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between {@code float[]} and the host memory of a flat, contiguous ND4J vector. ND4J's own
 * {@code toFloatVector} and {@code createFromArray} took 95-165 ms for 22.7M floats (MiniLM) where these take
 * 15-25 ms; the trainer does one of each per round.
 */
final class HostCopies {
    private HostCopies() {
    }

    /** The vector's host memory, positioned at its first element (made current on the host first). */
    static FloatBuffer host(INDArray vector) {
        if (vector.rank() > 2 || vector.elementWiseStride() != 1) {
            throw new IllegalArgumentException("expected a contiguous flat vector, got shape "
                    + Arrays.toString(vector.shape()) + " with element stride " + vector.elementWiseStride());
        }
        affinity().ensureLocation(vector, AffinityManager.Location.HOST);
        FloatBuffer buffer = vector.data().asNioFloat();
        buffer.position((int) vector.offset());
        return buffer;
    }

    /** Marks host memory as the current copy after writing it directly (matters on the CUDA backend). */
    static void wroteOnHost(INDArray vector) {
        affinity().tagLocation(vector, AffinityManager.Location.HOST);
    }

    static float[] toArray(INDArray vector) {
        float[] out = new float[(int) vector.length()];
        copyTo(vector, out);
        return out;
    }

    static void copyTo(INDArray vector, float[] out) {
        if (out.length != vector.length()) {
            throw new IllegalArgumentException("copying a vector of " + vector.length() + " values into " + out.length);
        }
        host(vector).get(out);
    }

    static void copy(float[] from, INDArray to) {
        if (from.length != to.length()) {
            throw new IllegalArgumentException("copying " + from.length + " values into a vector of " + to.length());
        }
        host(to).put(from);
        wroteOnHost(to);
    }

    private static AffinityManager affinity() {
        return Nd4j.getAffinityManager();
    }
}

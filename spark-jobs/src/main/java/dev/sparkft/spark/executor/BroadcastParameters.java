package dev.sparkft.spark.executor;

import dev.sparkft.hf.HalfFloats;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;

/**
 * Round parameters shipped as Spark broadcasts: how they reach executors in other JVMs. The vector travels in
 * chunks of at most {@code training.communication.chunkBytes} (one broadcast each: a single serialised value
 * past 2 GB, or past Kryo's buffer, fails), as fp32 {@code float[]} or bf16 {@code short[]}. An executor puts
 * them together once per round and JVM; its task slots share that copy.
 */
public final class BroadcastParameters implements RoundParameters {
    private static final long serialVersionUID = 1L;
    /** The vector this JVM put together last: version and values. */
    private static Object[] assembled = {"", null};

    private final List<Broadcast<Object>> chunks;
    private final WirePrecision precision;
    private final int length;

    /** Driver: {@code chunks} hold {@code length} values in order, each a float[] (fp32) or short[] (bf16). */
    public BroadcastParameters(List<Broadcast<Object>> chunks, WirePrecision precision, int length) {
        this.chunks = List.copyOf(chunks);
        this.precision = precision;
        this.length = length;
    }

    /** Broadcast ids restart with every Spark application, hence the app id. */
    @Override
    public String version() {
        return SparkEnv.get().conf().getAppId() + "/broadcast-" + chunks.get(0).id();
    }

    @Override
    public float[] value() {
        if (chunks.size() == 1 && precision == WirePrecision.FP32) {
            return (float[]) chunks.get(0).value(); // no copy: Spark's block is the vector
        }
        String version = version();
        synchronized (BroadcastParameters.class) {
            if (!assembled[0].equals(version)) {
                assembled = new Object[] {"", null}; // let the last round's copy go first
                assembled = new Object[] {version, assemble()};
            }
            return (float[]) assembled[1];
        }
    }

    private float[] assemble() {
        float[] v = new float[length];
        int at = 0;
        for (Broadcast<Object> chunk : chunks) {
            Object values = chunk.value();
            if (values instanceof float[] f) {
                System.arraycopy(f, 0, v, at, f.length);
                at += f.length;
            } else {
                for (short bits : (short[]) values) {
                    v[at++] = HalfFloats.bf16ToFloat(bits);
                }
            }
        }
        if (at != length) {
            throw new IllegalStateException("parameter chunks hold " + at + " values, expected " + length);
        }
        return v;
    }
}

package dev.sparkft.spark.executor;

import dev.sparkft.model.FrozenParameters;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;

/**
 * A model's frozen parameters (LoRA's base weights) as Spark broadcasts of fp32 chunks: what the architecture that
 * tasks carry refers to. An executor reads them when it builds a model, once per model ({@link ExecutorModels}),
 * never per round.
 */
public final class BroadcastFrozenParameters implements FrozenParameters {
    private static final long serialVersionUID = 1L;

    private final List<Broadcast<Object>> chunks;
    private final int length;
    private final String id;

    /** Driver: {@code chunks} are float[] holding {@code length} values in order; {@code id} names the values. */
    public BroadcastFrozenParameters(List<Broadcast<Object>> chunks, int length, String id) {
        this.chunks = List.copyOf(chunks);
        this.length = length;
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public float[] values() {
        if (chunks.size() == 1) {
            return (float[]) chunks.get(0).value(); // Spark's block is the vector: no copy
        }
        float[] v = new float[length];
        int at = 0;
        for (Broadcast<Object> chunk : chunks) {
            float[] part = (float[]) chunk.value();
            System.arraycopy(part, 0, v, at, part.length);
            at += part.length;
        }
        if (at != length) {
            throw new IllegalStateException("frozen parameter chunks hold " + at + " values, expected " + length);
        }
        return v;
    }

    @Override
    public String toString() {
        return id + " (" + chunks.size() + " broadcast chunks)";
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.executor.BroadcastParameters;
import dev.sparkft.spark.executor.RoundParameters;
import dev.sparkft.spark.executor.Slices;
import dev.sparkft.spark.executor.WirePrecision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Driver: a parameter vector sent to a cluster's executors as torrent broadcasts of at most
 * {@code training.communication.chunkBytes} each (float[] for fp32, short[] for bf16); {@link #close} destroys
 * them once the job that reads them is done.
 */
final class ParameterBroadcast implements AutoCloseable {
    private final List<Broadcast<Object>> chunks;
    private final RoundParameters parameters;

    private ParameterBroadcast(List<Broadcast<Object>> chunks, WirePrecision wire, int length) {
        this.chunks = chunks;
        this.parameters = new BroadcastParameters(chunks, wire, length);
    }

    /** fp32 in chunks of the default size (evaluation and prediction: master weights as they are). */
    static ParameterBroadcast of(JavaSparkContext sc, float[] params) {
        return of(sc, params, WirePrecision.FP32, (int) (Communication.DEFAULT_CHUNK_BYTES / 4));
    }

    /**
     * {@code params}, whose values {@code wire} carries exactly (bf16: rounded by {@link WirePrecision#round}), in
     * chunks of at most {@code chunkValues}.
     */
    static ParameterBroadcast of(JavaSparkContext sc, float[] params, WirePrecision wire, int chunkValues) {
        Slices slices = Slices.of(params.length, 1, chunkValues);
        List<Broadcast<Object>> chunks = new ArrayList<>(slices.count());
        try {
            for (int c = 0; c < slices.count(); c++) {
                int from = slices.from(c);
                Object values;
                if (wire == WirePrecision.FP32) {
                    values = slices.count() == 1 ? params : Arrays.copyOfRange(params, from, slices.to(c));
                } else {
                    short[] bits = new short[slices.to(c) - from];
                    for (int i = 0; i < bits.length; i++) {
                        bits[i] = (short) (Float.floatToRawIntBits(params[from + i]) >>> 16); // rounded already
                    }
                    values = bits;
                }
                chunks.add(sc.broadcast(values));
            }
        } catch (RuntimeException e) {
            chunks.forEach(Broadcast::destroy);
            throw e;
        }
        return new ParameterBroadcast(chunks, wire, params.length);
    }

    /** The broadcasts, in order. */
    List<Broadcast<Object>> chunks() {
        return chunks;
    }

    /** What the executors' tasks read. */
    RoundParameters parameters() {
        return parameters;
    }

    @Override
    public void close() {
        chunks.forEach(Broadcast::destroy);
    }
}

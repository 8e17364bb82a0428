package dev.sparkft.spark.driver;

import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.executor.BroadcastFrozenParameters;
import dev.sparkft.spark.executor.WirePrecision;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver: a model's frozen parameters (LoRA's base weights) sent to the executors once per job as torrent
 * broadcasts, in chunks like the round's parameters; {@link #architecture()} is the architecture tasks carry,
 * which refers to them instead of holding them. For a model without frozen parameters it is the architecture as
 * it was. {@link #close} destroys the broadcasts.
 */
final class FrozenBroadcast implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrozenBroadcast.class);
    private final ParameterBroadcast broadcast;
    private final ModelArchitecture architecture;

    private FrozenBroadcast(ParameterBroadcast broadcast, ModelArchitecture architecture) {
        this.broadcast = broadcast;
        this.architecture = architecture;
    }

    /** In chunks of the default size (evaluation, prediction). */
    static FrozenBroadcast of(JavaSparkContext sc, ModelArchitecture architecture) {
        return of(sc, architecture, (int) (Communication.DEFAULT_CHUNK_BYTES / 4));
    }

    /** In chunks of at most {@code chunkValues} ({@code training.communication.chunkBytes} / 4). */
    static FrozenBroadcast of(JavaSparkContext sc, ModelArchitecture architecture, int chunkValues) {
        if (architecture.frozen() == null) {
            return new FrozenBroadcast(null, architecture);
        }
        float[] values = architecture.frozen().values();
        ParameterBroadcast broadcast = ParameterBroadcast.of(sc, values, WirePrecision.FP32, chunkValues);
        LOG.info("frozen parameters ({} values, {} MB): broadcast once for this job, loaded once per executor model",
                values.length, String.format(java.util.Locale.ROOT, "%.1f", values.length * 4 / 1e6));
        return new FrozenBroadcast(broadcast, architecture.withFrozen(new BroadcastFrozenParameters(
                broadcast.chunks(), values.length, architecture.frozen().id())));
    }

    /** What tasks carry: the frozen values by reference. */
    ModelArchitecture architecture() {
        return architecture;
    }

    @Override
    public void close() {
        if (broadcast != null) {
            broadcast.close();
        }
    }
}

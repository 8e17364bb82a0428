package dev.sparkft.spark.executor;

import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;

/** Round parameters shipped as a Spark broadcast: how they reach executors in other JVMs. */
public final class BroadcastParameters implements RoundParameters {
    private static final long serialVersionUID = 1L;

    private final Broadcast<float[]> broadcast;

    public BroadcastParameters(Broadcast<float[]> broadcast) {
        this.broadcast = broadcast;
    }

    /** Broadcast ids restart with every Spark application, hence the app id. */
    @Override
    public String version() {
        return SparkEnv.get().conf().getAppId() + "/broadcast-" + broadcast.id();
    }

    @Override
    public float[] value() {
        return broadcast.value();
    }
}

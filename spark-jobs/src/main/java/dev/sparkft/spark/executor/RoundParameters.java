package dev.sparkft.spark.executor;

import java.io.Serializable;

/**
 * The parameter vector of one round as its tasks read it (executor side). The driver picks how it travels:
 * a Spark broadcast on a cluster ({@link BroadcastParameters}), a reference in local mode
 * ({@link InProcessRound}).
 */
public interface RoundParameters extends Serializable {
    /** Names this vector within the JVM: a model that loaded it already need not load it again. */
    String version();

    /** The flat parameters; read only. */
    float[] value();
}

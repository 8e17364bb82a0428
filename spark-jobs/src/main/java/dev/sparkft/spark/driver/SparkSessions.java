package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark settings a training round is designed for: every round broadcasts the parameters and brings
 * one vector per partition back, so Kryo, no broadcast compression and no cap on result sizes.
 */
public final class SparkSessions {
    private SparkSessions() {
    }

    /** A builder with the run's master and name, Kryo, uncompressed broadcasts and room for large vectors. */
    public static SparkSession.Builder builder(TrainConfig.Run run) {
        return SparkSession.builder()
                .master(run.master())
                .appName("sparkft " + run.name())
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                // Parameters and gradients are dense floats: compressing them costs time and saves nothing.
                .config("spark.broadcast.compress", "false")
                .config("spark.kryoserializer.buffer.max", "2047m")
                .config("spark.driver.maxResultSize", "0");
    }
}

package dev.sparkft.spark.testing;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session for all test classes of the JVM, with the trainer's settings. */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSessions.builder(new TrainConfig.Run("test", "local[2]", 1, "unused"))
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }
}

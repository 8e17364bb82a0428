package dev.sparkft.data;

import org.apache.spark.sql.SparkSession;

/**
 * The one local[2] Spark session for all test classes of this module (Surefire runs them in one JVM, in any
 * order): starting Spark costs more than most tests. No test stops it (a stopped session would fail every class
 * after it); Spark's own shutdown hook stops it when the JVM exits.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2]").appName("sparkft-data-pipelines-tests")
                    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1").getOrCreate();
        } else if (session.sparkContext().isStopped()) {
            throw new IllegalStateException("a test stopped the shared Spark session; tests must leave it running");
        }
        return session;
    }
}

package dev.sparkft.data;

import org.apache.spark.sql.SparkSession;

/**
 * One local[2] Spark session for all test classes of this module (surefire reuses one JVM): starting Spark costs
 * more than most tests. Spark's own shutdown hook stops it when the JVM exits.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2]").appName("sparkft-data-pipelines-tests")
                    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        }
        return session;
    }
}

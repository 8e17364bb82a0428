package dev.sparkft.spark.driver;

import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Names the Spark jobs a piece of driver work starts ("round 120: gradients", "validation at step 120"), so the
 * Spark UI's job and stage lists read like the training loop. The driver thread's previous description comes
 * back afterwards.
 */
final class SparkJobDescription {
    private static final String KEY = "spark.job.description";

    private SparkJobDescription() {
    }

    static <T> T run(JavaSparkContext sc, String description, Supplier<T> work) {
        String previous = sc.getLocalProperty(KEY);
        sc.setJobDescription(description);
        try {
            return work.get();
        } finally {
            sc.setLocalProperty(KEY, previous);
        }
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import java.io.PrintStream;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a training config: what the CLI calls. Uses the Spark session already active in this JVM (as under
 * a notebook or a test) and leaves it running; otherwise starts one from {@code run.master} and stops it.
 */
public final class TrainingService {
    private TrainingService() {
    }

    public static TrainingResult train(TrainConfig config, boolean resume, PrintStream console) {
        Optional<SparkSession> existing = SparkSession.getActiveSession().isDefined()
                ? Optional.of(SparkSession.getActiveSession().get())
                : SparkSession.getDefaultSession().isDefined()
                        ? Optional.of(SparkSession.getDefaultSession().get()) : Optional.empty();
        SparkSession spark = existing.orElseGet(() -> SparkSessions.builder(config.run()).getOrCreate());
        try {
            return new TrainingLoop(spark, config, console).run(resume);
        } finally {
            if (existing.isEmpty()) {
                spark.stop();
            }
        }
    }
}

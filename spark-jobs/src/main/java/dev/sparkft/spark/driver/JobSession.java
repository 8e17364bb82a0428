package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of one job run (evaluate, predict): the session already active in this JVM (a notebook, a
 * test), used and left running; otherwise one started from {@code run.master} on first use and stopped by
 * {@link #close()}. Asked for only after the job's checks, so bad input fails before Spark starts.
 */
final class JobSession implements AutoCloseable {
    private final TrainConfig.Run run;
    private SparkSession started;

    JobSession(TrainConfig.Run run) {
        this.run = run;
    }

    SparkSession get() {
        if (started != null) {
            return started;
        }
        if (SparkSession.getActiveSession().isDefined()) {
            return SparkSession.getActiveSession().get();
        }
        if (SparkSession.getDefaultSession().isDefined()) {
            return SparkSession.getDefaultSession().get();
        }
        started = SparkSessions.builder(run).getOrCreate();
        return started;
    }

    @Override
    public void close() {
        if (started != null) {
            started.stop();
        }
    }
}

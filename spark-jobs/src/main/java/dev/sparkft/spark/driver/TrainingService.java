package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a training config: what the CLI calls. Spark starts only once the model is built (a bad model option
 * fails fast). The session already active in this JVM (a notebook, a test) is used and left running;
 * otherwise one is started from {@code run.master} and stopped at the end.
 */
public final class TrainingService {
    private TrainingService() {
    }

    public static TrainingResult train(TrainConfig config, boolean resume, PrintStream console) {
        SparkSession[] started = {null};
        try {
            return new TrainingLoop(() -> {
                if (SparkSession.getActiveSession().isDefined()) {
                    return SparkSession.getActiveSession().get();
                }
                if (SparkSession.getDefaultSession().isDefined()) {
                    return SparkSession.getDefaultSession().get();
                }
                started[0] = SparkSessions.builder(config.run()).getOrCreate();
                return started[0];
            }, config, console).run(resume);
        } finally {
            if (started[0] != null) {
                started[0].stop();
            }
        }
    }
}

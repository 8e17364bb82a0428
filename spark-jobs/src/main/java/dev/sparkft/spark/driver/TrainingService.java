package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.executor.OptimizerFactory;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/** Runs a training config in its own Spark session: what the CLI calls. */
public final class TrainingService {
    private TrainingService() {
    }

    public static TrainingResult train(TrainConfig config, boolean resume, OptimizerFactory optimizers,
            PrintStream console) {
        SparkSession spark = SparkSessions.builder(config.run()).getOrCreate();
        try {
            return new TrainingLoop(spark, config, optimizers, console).run(resume);
        } finally {
            spark.stop();
        }
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;

/**
 * The {@code export} job: a checkpoint of the run (the newest complete one, or {@code --step N}) written into
 * {@code export.dir} by the engine's exporter, as training does at its end ({@link ModelExport}: the same marker,
 * and only an earlier export is ever replaced). Needs no Spark: the checkpoint and the prepared data's
 * labels.json and tokenizer.json are read on the driver.
 */
public final class ExportJob {
    private ExportJob() {
    }

    /** Exports and returns the folder written. */
    public static Path run(TrainConfig config, Long step, PrintStream console) {
        if (!config.export().enabled()) {
            throw new IllegalArgumentException("export.dir is not set: give the folder to export into, e.g."
                    + " --set export.dir=runs/" + config.run().name() + "/model");
        }
        ModelExport.requireReplaceable(config);
        Configuration conf = SparkSessions.hadoopConfiguration(); // spark-submit's spark.hadoop.* settings, before Spark starts
        TrainConfig prepared = TextDataPreparation.prepared(config, conf);
        ModelSource.Resolved model = ModelSource.resolve(prepared, TrainConfig.EvaluateSettings.CHECKPOINT,
                "checkpoint", step, conf);
        ModelExport.requireInputs(prepared, model.architecture(), conf);
        Path dir = ModelExport.write(prepared, model.architecture(), model.params(), model.step(), Path.of(config.export().dir()), conf);
        console.printf("sparkft: exported the model of %s to %s%n", model.description(), dir);
        return dir;
    }
}

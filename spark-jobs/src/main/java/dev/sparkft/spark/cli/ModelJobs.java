package dev.sparkft.spark.cli;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.EvaluateJob;
import dev.sparkft.spark.driver.ExportJob;
import dev.sparkft.spark.driver.PredictJob;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FSError;

/**
 * The jobs that use a trained model: {@code evaluate} (a report, and {@code --min-metric} gates that exit
 * {@value SparkFtCli#BELOW_THRESHOLD} when not met), {@code predict} and {@code export}. Same conventions as
 * {@code train}: exit 0 done, 1 failed while running, 2 bad arguments, config or input (refused before Spark work).
 */
final class ModelJobs {
    private ModelJobs() {
    }

    static int run(String job, List<String> args, PrintStream out, PrintStream err) {
        TrainConfig config;
        JobArguments parsed;
        Long step;
        List<EvaluateJob.Threshold> thresholds;
        try {
            parsed = switch (job) {
                case "evaluate" -> JobArguments.parse(args, Set.of(), Set.of(SparkFtCli.STEP, SparkFtCli.MIN_METRIC),
                        SparkFtCli.EVALUATE_USAGE);
                case "export" -> JobArguments.parse(args, Set.of(), Set.of(SparkFtCli.STEP), SparkFtCli.EXPORT_USAGE);
                default -> JobArguments.parse(args, Set.of(), Set.of(), SparkFtCli.PREDICT_USAGE);
            };
            step = step(parsed.options().get(SparkFtCli.STEP));
            String gates = parsed.options().get(SparkFtCli.MIN_METRIC);
            thresholds = gates == null ? List.of() : EvaluateJob.Threshold.parse(SparkFtCli.MIN_METRIC, gates);
            config = ConfigLoader.load(Path.of(parsed.config()), parsed.overrides());
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + e.getMessage());
            return SparkFtCli.BAD_INPUT;
        }
        try {
            switch (job) {
                case "evaluate" -> {
                    EvaluateJob.Outcome outcome = EvaluateJob.run(config, step, thresholds, out);
                    if (!outcome.failures().isEmpty()) {
                        err.println("sparkft: evaluate: " + String.join("; ", outcome.failures()));
                        return SparkFtCli.BELOW_THRESHOLD;
                    }
                }
                case "export" -> ExportJob.run(config, step, out);
                default -> PredictJob.run(config, out);
            }
            return SparkFtCli.OK;
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + SparkFtCli.firstLine(e));
            return SparkFtCli.BAD_INPUT;
        } catch (Exception | FSError e) {
            err.println("sparkft: " + job + " failed: " + SparkFtCli.firstLine(e));
            return SparkFtCli.FAILED;
        }
    }

    private static Long step(String value) {
        if (value == null) {
            return null;
        }
        try {
            long step = Long.parseLong(value);
            if (step < 0) {
                throw new NumberFormatException();
            }
            return step;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SparkFtCli.STEP + " '" + value + "' must be a step number (>= 0)", e);
        }
    }
}

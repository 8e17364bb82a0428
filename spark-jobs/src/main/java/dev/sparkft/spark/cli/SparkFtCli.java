package dev.sparkft.spark.cli;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.NonFiniteStepException;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.driver.TrainingService;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkException;

/**
 * {@code sparkft train --config FILE [--set key.path=value ...] [--resume]}: parses the arguments into a
 * {@link TrainConfig} and runs {@link TrainingService}. Errors are one line on stderr; exit codes:
 * 0 done, 1 training failed, 2 bad arguments, config, model options or dataset (nothing was trained).
 */
public final class SparkFtCli {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_INPUT = 2;

    private SparkFtCli() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help")) {
            (args.isEmpty() ? err : out).println(TrainArguments.USAGE);
            return args.isEmpty() ? BAD_INPUT : OK;
        }
        if (!args.get(0).equals("train")) {
            err.println("sparkft: unknown command '" + args.get(0) + "'; " + TrainArguments.USAGE);
            return BAD_INPUT;
        }
        TrainConfig config;
        TrainArguments parsed;
        try {
            parsed = TrainArguments.parse(args.subList(1, args.size()));
            config = ConfigLoader.load(parsed.config(), parsed.overrides());
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + e.getMessage());
            return BAD_INPUT;
        }
        try {
            TrainingResult result = TrainingService.train(config, parsed.resume(), out);
            out.printf("sparkft: trained steps %d..%d of run '%s'%s; checkpoints in %s%n", result.startStep(),
                    result.endStep(), config.run().name(),
                    result.skippedSteps() > 0 ? " (" + result.skippedSteps() + " skipped as non-finite)" : "",
                    config.checkpoint().dir());
            return OK;
        } catch (NonFiniteStepException e) {
            err.println("sparkft: training stopped at " + e.getMessage());
            return FAILED;
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + firstLine(e));
            return BAD_INPUT;
        } catch (Exception e) {
            // Spark's AnalysisException is checked but thrown from unchecked signatures: catch every Exception.
            err.println("sparkft: training failed: " + firstLine(e));
            return FAILED;
        }
    }

    /** The first line of the message; a Spark job failure shows the task's own exception instead. */
    private static String firstLine(Throwable e) {
        Throwable shown = e;
        while (shown instanceof SparkException && shown.getCause() != null) {
            shown = shown.getCause();
        }
        String m = shown.getMessage() == null ? shown.getClass().getName() : shown.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

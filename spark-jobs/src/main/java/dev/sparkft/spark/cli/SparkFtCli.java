package dev.sparkft.spark.cli;

import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.NonFiniteStepException;
import dev.sparkft.spark.driver.StopRequestedException;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.driver.TrainingService;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.hadoop.fs.FSError;
import org.apache.spark.SparkException;

/**
 * {@code sparkft JOB --config FILE [--set key.path=value ...]}: one command line for the jobs, each a Spark
 * application with the same config conventions. {@code train} parses its config into a {@link TrainConfig} and
 * runs {@link TrainingService}; {@code prepare} is {@link PrepareCommand}. Errors are one line on stderr; exit codes:
 * 0 done, 1 training failed, 2 bad arguments, config, model options, dataset or folders (nothing was trained),
 * 3 {@code evaluate} done but a {@code --min-metric} threshold not met ({@link ModelJobs}), 143 stopped by SIGTERM or Ctrl-C after checkpointing the last finished step (a second signal exits at once).
 */
public final class SparkFtCli {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_INPUT = 2;
    static final int STOPPED = 143;
    static final String RESUME = "--resume";
    static final String TRAIN_USAGE = "usage: sparkft train --config FILE [--set key.path=value ...] [--resume]";
    static final String EVALUATE_USAGE = "usage: sparkft evaluate --config FILE [--set key.path=value ...]"
            + " [--step N] [--min-metric NAME=VALUE[,NAME=VALUE]]";
    static final String PREDICT_USAGE = "usage: sparkft predict --config FILE [--set key.path=value ...]";
    static final String EXPORT_USAGE = "usage: sparkft export --config FILE [--set key.path=value ...] [--step N]";
    /** {@code evaluate}: the model was evaluated but a {@code --min-metric} threshold is not met. */
    static final int BELOW_THRESHOLD = 3;
    static final String STEP = "--step";
    static final String MIN_METRIC = "--min-metric";
    static final String USAGE = "usage: sparkft JOB --config FILE [--set key.path=value ...]; jobs:\n"
            + "  " + PrepareCommand.USAGE.substring("usage: sparkft ".length()) + "\n"
            + "  " + TRAIN_USAGE.substring("usage: sparkft ".length()) + "\n"
            + "  " + EVALUATE_USAGE.substring("usage: sparkft ".length()) + "\n"
            + "  " + PREDICT_USAGE.substring("usage: sparkft ".length()) + "\n"
            + "  " + EXPORT_USAGE.substring("usage: sparkft ".length()) + "\n"
            + "  " + ImportTfjsCommand.USAGE.substring("usage: sparkft ".length());

    private SparkFtCli() {
    }

    public static void main(String[] args) {
        AtomicBoolean stop = new AtomicBoolean();
        StopSignals.install(stop, System.err);
        System.exit(run(Arrays.asList(args), System.out, System.err, stop::get));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, out, err, () -> false);
    }

    static int run(List<String> args, PrintStream out, PrintStream err, BooleanSupplier stopRequested) {
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help")) {
            (args.isEmpty() ? err : out).println(USAGE);
            return args.isEmpty() ? BAD_INPUT : OK;
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "prepare" -> PrepareCommand.run(rest, out, err);
            case "train" -> train(rest, out, err, stopRequested);
            case "heap" -> heap(rest, out, err);
            case "evaluate", "predict", "export" -> ModelJobs.run(args.get(0), rest, out, err);
            case "import-tfjs" -> ImportTfjsCommand.run(rest, out, err);
            default -> {
                err.println("sparkft: unknown command '" + args.get(0) + "'; " + USAGE);
                yield BAD_INPUT;
            }
        };
    }

    private static int train(List<String> args, PrintStream out, PrintStream err, BooleanSupplier stopRequested) {
        TrainConfig config;
        JobArguments parsed;
        try {
            parsed = trainArguments(args);
            config = ConfigLoader.load(parsed.config(), parsed.overrides());
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + e.getMessage());
            return BAD_INPUT;
        }
        try {
            TrainingResult result = TrainingService.train(config, parsed.flag(RESUME), out, stopRequested);
            if (result.rounds().isEmpty() && result.startStep() == result.endStep()) {
                return OK; // resumed at its end: the service said what it found
            }
            out.printf("sparkft: trained steps %d..%d of run '%s'%s; checkpoints in %s%n", result.startStep(),
                    result.endStep(), config.run().name(),
                    result.skippedSteps() > 0 ? " (" + result.skippedSteps() + " skipped as non-finite)" : "",
                    config.checkpoint().dir());
            return OK;
        } catch (StopRequestedException e) {
            err.println("sparkft: " + e.getMessage());
            return STOPPED;
        } catch (NonFiniteStepException e) {
            err.println("sparkft: training stopped at " + e.getMessage());
            return FAILED;
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + firstLine(e));
            return BAD_INPUT;
        } catch (Exception | FSError e) {
            // FSError: Hadoop's local file system reports a full disk as an Error, which is still a one-line failure.
            // Spark's AnalysisException is checked but thrown from unchecked signatures: catch every Exception.
            err.println("sparkft: training failed: " + firstLine(e));
            return FAILED;
        }
    }

    private static JobArguments trainArguments(List<String> args) {
        return JobArguments.parse(args, Set.of(RESUME), Set.of(), TRAIN_USAGE);
    }

    /**
     * {@code heap} takes {@code train}'s arguments and prints the heap a run of that config gets ({@link HeapSize}),
     * e.g. {@code 2560m}: {@code bin/sparkft} passes it as {@code -Xmx}.
     */
    private static int heap(List<String> args, PrintStream out, PrintStream err) {
        try {
            JobArguments parsed = trainArguments(args);
            out.println(HeapSize.megabytes(ConfigLoader.load(parsed.config(), parsed.overrides())) + "m");
            return OK;
        } catch (RuntimeException e) {
            err.println("sparkft: " + firstLine(e));
            return BAD_INPUT;
        }
    }

    /** The first line of the message; a Spark job failure shows the task's own exception instead. */
    static String firstLine(Throwable e) {
        Throwable shown = e;
        while (shown instanceof SparkException && shown.getCause() != null) {
            shown = shown.getCause();
        }
        String m = shown.getMessage() == null ? shown.getClass().getName() : shown.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

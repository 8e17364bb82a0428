package dev.sparkft.spark.cli;

import dev.sparkft.spark.config.PrepareConfig;
import dev.sparkft.spark.driver.PrepareService;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FSError;

/**
 * {@code sparkft prepare --config FILE [--set key.path=value ...]}: raw data to a prepared dataset
 * ({@link PrepareConfig}, {@link PrepareService}). Exit codes as for every job: 0 done (or already done),
 * 1 failed, 2 bad arguments, config, inputs or output (refused before anything was written).
 */
final class PrepareCommand {
    static final String USAGE = "usage: sparkft prepare --config FILE [--set key.path=value ...]";

    private PrepareCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        PrepareConfig config;
        try {
            JobArguments parsed = JobArguments.parse(args, Set.of(), Set.of(), USAGE);
            config = PrepareConfig.load(parsed.config(), parsed.overrides());
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + e.getMessage());
            return SparkFtCli.BAD_INPUT;
        }
        try {
            PrepareService.prepare(config, out);
            return SparkFtCli.OK;
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + SparkFtCli.firstLine(e));
            return SparkFtCli.BAD_INPUT;
        } catch (Exception | FSError e) {
            // Spark's AnalysisException is checked but thrown from unchecked signatures: catch every Exception.
            err.println("sparkft: prepare failed: " + SparkFtCli.firstLine(e));
            return SparkFtCli.FAILED;
        }
    }
}

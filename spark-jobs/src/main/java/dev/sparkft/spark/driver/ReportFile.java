package dev.sparkft.spark.driver;

import dev.sparkft.data.dataset.AtomicOutput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/** Writes the latest classification report to {@code outputDir/report.txt}: a temporary file, then a rename. */
final class ReportFile implements TrainingListener {
    static final String NAME = "report.txt";

    private final Path file;

    ReportFile(Path outputDir) {
        this.file = outputDir.resolve(NAME);
    }

    @Override
    public void onRound(RoundReport round, TrainingState state) {
    }

    @Override
    public void onEvaluation(ValidationResult result, TrainingState state) {
        write(file, String.format(Locale.ROOT, "%s at step %d (epoch %.2f), validation loss %.6f%n%s",
                result.end() ? "end of run" : "evaluation", result.step(), result.epoch(), result.loss(), body(result)));
    }

    /** The report under its first line: the scope line (windowed text) and the classification report. */
    static String body(ValidationResult result) {
        return String.format(Locale.ROOT, "%s%n%s", result.scope(), result.report().format());
    }

    /** Writes {@code text} into {@code file} through a temporary file and a rename. */
    static void write(Path file, String text) {
        AtomicOutput.writeFile(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}

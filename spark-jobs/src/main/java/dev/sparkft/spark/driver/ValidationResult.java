package dev.sparkft.spark.driver;

import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.spark.config.TrainConfig.Metric;
import java.util.Locale;

/**
 * One evaluation of the validation set: after {@code step} steps ({@code epoch} epochs, fractional when
 * the run ends mid-epoch), at the end of the run or not; mean loss and the classification report. For a
 * windowed text set the report judges whole documents (what the metric and early stopping use), and
 * {@code windows} holds the per-window report; otherwise {@code windows} is null.
 */
public record ValidationResult(long step, double epoch, boolean end, double loss, ClassificationReport report,
        ClassificationReport windows) {

    /** This result, marked as the end-of-run evaluation. */
    public ValidationResult atEnd() {
        return new ValidationResult(step, epoch, true, loss, report, windows);
    }

    /** A line saying what the report counts when it is per document; empty otherwise. */
    public String scope() {
        return windows == null ? "" : String.format(Locale.ROOT, "per document (the class of the highest mean"
                + " probability over its windows); per window: accuracy %.4f, macro F1 %.4f%n",
                windows.accuracy(), windows.macroAvg().f1());
    }

    public double value(Metric metric) {
        return switch (metric) {
            case ACCURACY -> report.accuracy();
            case MACRO_F1 -> report.macroAvg().f1();
            case LOSS -> loss;
        };
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.spark.config.TrainConfig.Metric;

/**
 * One evaluation of the validation set: after {@code step} steps ({@code epoch} epochs, fractional when
 * the run ends mid-epoch), at the end of the run or not; mean loss and the classification report.
 */
public record ValidationResult(long step, double epoch, boolean end, double loss, ClassificationReport report) {

    public double value(Metric metric) {
        return switch (metric) {
            case ACCURACY -> report.accuracy();
            case MACRO_F1 -> report.macroAvg().f1();
            case LOSS -> loss;
        };
    }
}

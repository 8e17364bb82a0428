package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.eval.ClassificationReport.ClassMetrics;

/**
 * What a run reports per round and per evaluation, as JSON objects: one definition for every place the figures
 * go ({@link JsonlMetrics}'s lines, {@link TensorBoardMetrics}' scalars), so they always agree.
 */
final class MetricsLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsLines() {
    }

    /**
     * A round: losses, learning rate, norms, throughput, time split, bytes each way, and Spark's telemetry (skew of
     * the slowest task over the median, the slowest task's executor, GC time, peak memory).
     */
    static ObjectNode round(RoundReport r, TrainingState state) {
        return JSON.createObjectNode()
                .put("step", r.step()).put("steps", r.steps()).put("loss", r.loss()).put("lr", r.learningRate())
                .put("gradNorm", r.gradNorm()).put("examples", r.examples()).put("skipped", r.skipped())
                .put("samplesPerSec", r.samplesPerSecond()).put("roundMs", r.wallNanos() / 1e6)
                .put("computeMs", r.computeNanos() / 1e6).put("updateMs", r.updateNanos() / 1e6)
                .put("overheadMs", r.overheadNanos() / 1e6).put("bytesToWorker", r.bytesToWorker())
                .put("bytesFromWorker", r.bytesFromWorker())
                .put("bytesIntoDriver", r.bytesIntoDriver()).put("compressionRatio", r.compressionRatio())
                .put("residualNorm", r.residualNorm()).put("workers", r.workers())
                .put("skippedTotal", state.skippedSteps())
                .put("taskSkew", r.telemetry().taskSkew()).put("slowestExecutor", r.telemetry().slowestExecutor())
                .put("executorGcMs", r.telemetry().executorGcMillis()).put("driverGcMs", r.telemetry().driverGcMillis())
                .put("executorPeakHeapBytes", r.telemetry().executorPeakHeapBytes())
                .put("executorPeakRssBytes", r.telemetry().executorPeakRssBytes())
                .put("driverPeakRssBytes", r.telemetry().driverPeakRssBytes())
                .put("flopsPerExample", r.flopsPerExample()).put("achievedFlops", r.achievedFlops())
                .put("mfu", r.mfu());
    }

    /** An evaluation of the validation set: loss, accuracy, macro F1, and precision/recall/F1/support per class. */
    static ObjectNode evaluation(ValidationResult result) {
        ObjectNode line = JSON.createObjectNode().put("step", result.step()).put("epoch", result.epoch())
                .put("end", result.end()).put("validationLoss", result.loss()).put("accuracy", result.report().accuracy())
                .put("macroF1", result.report().macroAvg().f1());
        if (result.windows() != null) {
            line.put("windowAccuracy", result.windows().accuracy()).put("windowMacroF1", result.windows().macroAvg().f1());
        }
        ObjectNode classes = line.putObject("classes");
        for (ClassMetrics c : result.report().classes()) {
            classes.putObject(c.label()).put("precision", c.precision()).put("recall", c.recall()).put("f1", c.f1())
                    .put("support", c.support());
        }
        return line;
    }
}

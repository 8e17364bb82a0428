package dev.sparkft.spark.driver;

import dev.sparkft.optim.Optimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The run as listeners see it after a round: the next step, the run's length, skipped steps, the live
 * driver parameters and optimizer (read them, never modify them), and the validation loss once evaluated
 * (NaN before, or without validation data).
 */
public record TrainingState(long step, long totalSteps, long skippedSteps, INDArray params, Optimizer optimizer,
        double validationLoss) {
}

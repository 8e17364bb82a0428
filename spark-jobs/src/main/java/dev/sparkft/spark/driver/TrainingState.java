package dev.sparkft.spark.driver;

import dev.sparkft.optim.FlatParameters;

/**
 * The run as listeners see it after a round: the next step, the run's length, skipped steps, the live
 * driver parameters with their optimizer (read them, never step them), and the validation loss once
 * evaluated (NaN before, or without validation data).
 */
public record TrainingState(long step, long totalSteps, long skippedSteps, FlatParameters params,
        double validationLoss) {
}

package dev.sparkft.spark.driver;

import dev.sparkft.optim.OptimizerState;
import java.util.List;

/**
 * What a run produced: final parameters and optimizer state, the step reached, skipped steps, every
 * round's report (losses, timings, bytes) and the final validation loss (NaN without validation data).
 */
public record TrainingResult(float[] params, OptimizerState optimizerState, long startStep, long endStep,
        long skippedSteps, List<RoundReport> rounds, double validationLoss) {

    public TrainingResult {
        rounds = List.copyOf(rounds);
    }

    /** Mean training loss of each round, in order (one per step in synchronous mode). */
    public double[] losses() {
        return rounds.stream().mapToDouble(RoundReport::loss).toArray();
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.optim.OptimizerState;
import java.util.List;

/**
 * What a run produced: final parameters and optimizer state, the step reached, skipped steps, every
 * round's report (losses, timings, bytes), every validation evaluation (the last one at {@code endStep}),
 * the step whose parameters early stopping kept as best (-1 without early stopping) and whether it stopped the run.
 */
public record TrainingResult(float[] params, OptimizerState optimizerState, long startStep, long endStep,
        long skippedSteps, List<RoundReport> rounds, List<ValidationResult> evaluations, long bestStep,
        boolean stoppedEarly) {

    public TrainingResult {
        rounds = List.copyOf(rounds);
        evaluations = List.copyOf(evaluations);
    }

    /**
     * A run that {@code --resume} found finished ({@link RunCompletion}): nothing was trained, so there are no
     * parameters ({@code params} is empty, {@code optimizerState} null) and no rounds or evaluations.
     */
    static TrainingResult alreadyComplete(long step) {
        return new TrainingResult(new float[0], null, step, step, 0, List.of(), List.of(), -1, false);
    }

    /** Mean validation loss at the end of the run, NaN without validation data. */
    public double validationLoss() {
        return evaluations.isEmpty() ? Double.NaN : evaluations.get(evaluations.size() - 1).loss();
    }

    /** Mean training loss of each round, in order (one per step in synchronous mode). */
    public double[] losses() {
        return rounds.stream().mapToDouble(RoundReport::loss).toArray();
    }
}

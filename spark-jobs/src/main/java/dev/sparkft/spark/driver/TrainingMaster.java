package dev.sparkft.spark.driver;

import dev.sparkft.optim.FlatParameters;

/**
 * Runs one round of distributed training and updates the driver's parameters with the driver's optimizer, through
 * the {@link TrainingRound} the training loop gives it (which holds what partitions keep between rounds).
 */
public interface TrainingMaster {

    /** How many steps the round starting at {@code step} covers, for a run of {@code totalSteps}. */
    int stepsInRound(long step, long totalSteps);

    /**
     * Runs steps {@code [step, step + steps)} from {@code params}, then updates them with their optimizer
     * unless the round is skipped as non-finite.
     *
     * @throws NonFiniteStepException on a non-finite loss or gradient with {@code onNonFinite: fail}
     */
    RoundReport round(FlatParameters params, long step, int steps);
}

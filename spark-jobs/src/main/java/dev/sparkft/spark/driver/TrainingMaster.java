package dev.sparkft.spark.driver;

import dev.sparkft.optim.Optimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs one round of distributed training and updates the driver's parameters with the driver's optimizer. */
public interface TrainingMaster {

    /** How many steps the round starting at {@code step} covers, for a run of {@code totalSteps}. */
    int stepsInRound(long step, long totalSteps);

    /**
     * Runs steps {@code [step, step + steps)} from {@code params}, then updates {@code params} in place with
     * {@code optimizer} unless the round is skipped as non-finite.
     *
     * @throws NonFiniteStepException on a non-finite loss or gradient with {@code onNonFinite: fail}
     */
    RoundReport round(INDArray params, Optimizer optimizer, long step, int steps);
}

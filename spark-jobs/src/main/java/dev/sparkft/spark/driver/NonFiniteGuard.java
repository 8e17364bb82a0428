package dev.sparkft.spark.driver;

import dev.sparkft.optim.FlatParameters;
import dev.sparkft.spark.config.TrainConfig.SkipLimits;

/**
 * Stops a run that has diverged, which {@code onNonFinite: skip} alone would carry to the end and export:
 * parameters made non-finite by an update (checked before any checkpoint can see them), and more skipped
 * rounds than {@code nonFiniteSkips} allows, in a row or in the whole run. A round is one step in synchronous
 * mode and K local steps when averaging; a resumed run starts counting afresh.
 */
final class NonFiniteGuard {
    private final SkipLimits limits;
    private final double learningRate;
    private long consecutive;
    private long total;

    NonFiniteGuard(SkipLimits limits, double learningRate) {
        this.limits = limits;
        this.learningRate = learningRate;
    }

    /** After a round's update, before anything reads the parameters. */
    void checkParameters(RoundReport round, FlatParameters params) {
        if (!round.skipped() && !params.allFinite()) {
            throw new NonFiniteStepException(round.step(), steps(round) + ": the update made parameters non-finite"
                    + " (optimizer.learningRate " + learningRate + ", gradient norm " + round.gradNorm() + "); lower"
                    + " the learning rate or set clipping.maxGradNorm and --resume: the last checkpoint is from"
                    + " before this update");
        }
    }

    /** After the round is recorded: counts skipped rounds against the limits. */
    void countSkips(RoundReport round) {
        if (!round.skipped()) {
            consecutive = 0;
            return;
        }
        consecutive++;
        total++;
        if (consecutive > limits.maxConsecutive()) {
            throw new NonFiniteStepException(round.step(), steps(round) + ": " + consecutive + " non-finite rounds in"
                    + " a row, more than nonFiniteSkips.maxConsecutive (" + limits.maxConsecutive() + "): the run has"
                    + " diverged; lower optimizer.learningRate or check the data, then --resume");
        }
        if (total > limits.maxTotal()) {
            throw new NonFiniteStepException(round.step(), steps(round) + ": " + total + " non-finite rounds skipped in"
                    + " this run, more than nonFiniteSkips.maxTotal (" + limits.maxTotal() + "); lower"
                    + " optimizer.learningRate or check the data, then --resume");
        }
    }

    private static String steps(RoundReport round) {
        return round.steps() == 1 ? "step " + round.step() : "steps " + round.step() + ".." + (round.nextStep() - 1);
    }
}

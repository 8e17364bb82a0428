package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig.Metric;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Watches the validation metric: remembers the best evaluation, saves that step's parameters as the best
 * checkpoint, and after {@code patience} evaluations in a row without a strict improvement asks the loop
 * to stop ({@code patience} 0: never). Its memory starts afresh when a run is resumed.
 */
final class EarlyStopping implements TrainingListener {
    private final Metric metric;
    private final int patience;
    private final Consumer<TrainingState> saveBest;
    private final PrintStream console;
    private double best = Double.NaN;
    private long bestStep = -1;
    private int sinceBest;
    private long lastStep = -1;

    EarlyStopping(Metric metric, int patience, Consumer<TrainingState> saveBest, PrintStream console) {
        this.metric = metric;
        this.patience = patience;
        this.saveBest = saveBest;
        this.console = console;
    }

    @Override
    public void onRound(RoundReport round, TrainingState state) {
    }

    @Override
    public void onEvaluation(ValidationResult result, TrainingState state) {
        // The end-of-run evaluation repeats the last one when the run ended on an epoch boundary.
        if (patience == 0 || result.step() == lastStep) {
            return;
        }
        lastStep = result.step();
        double value = result.value(metric);
        if (metric.improves(value, best)) {
            best = value;
            bestStep = result.step();
            sinceBest = 0;
            saveBest.accept(state);
        } else {
            sinceBest++;
        }
    }

    boolean shouldStop() {
        return patience > 0 && sinceBest >= patience;
    }

    /** Step of the best evaluation so far, or -1. */
    long bestStep() {
        return bestStep;
    }

    void announceStop(long step) {
        console.printf("early stopping at step %d: validation %s has not improved for %d evaluations;"
                + " best %.4f at step %d, its parameters are in best.ckpt%n", step, metric.key(), patience, best,
                bestStep);
    }
}

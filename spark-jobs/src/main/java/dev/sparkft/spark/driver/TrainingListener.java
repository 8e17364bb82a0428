package dev.sparkft.spark.driver;

/** Side effects of training (progress, metrics, checkpoints), kept out of the loop itself. */
public interface TrainingListener extends AutoCloseable {

    /** Before the first round; {@code state.step()} is 0, or the step resumed from. */
    default void onStart(TrainingState state) {
    }

    void onRound(RoundReport round, TrainingState state);

    /** After each evaluation of the validation set (every few epochs and at the end of the run). */
    default void onEvaluation(ValidationResult result, TrainingState state) {
    }

    /** After the last round, once the run succeeded. */
    default void onEnd(TrainingState state) {
    }

    /** Always called last, also when training failed: release files. */
    @Override
    default void close() {
    }
}

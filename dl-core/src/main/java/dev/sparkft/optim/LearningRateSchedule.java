package dev.sparkft.optim;

/** Learning rate as a pure function of the (0-based) optimizer step. */
@FunctionalInterface
public interface LearningRateSchedule {
    double at(long step);
}

package dev.sparkft.spark.driver;

/** A step whose loss or gradient was NaN or infinite, with {@code onNonFinite: fail}. */
public final class NonFiniteStepException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long step;

    public NonFiniteStepException(long step, String message) {
        super(message);
        this.step = step;
    }

    public long step() {
        return step;
    }
}

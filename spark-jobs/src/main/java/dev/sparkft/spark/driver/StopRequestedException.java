package dev.sparkft.spark.driver;

/** The run was asked to stop (SIGTERM from a scheduler) and ended after checkpointing its last step. */
public final class StopRequestedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long step;

    StopRequestedException(long step, String checkpointDir) {
        super("stopped on request after step " + step + "; its checkpoint is in " + checkpointDir
                + ": continue with --resume");
        this.step = step;
    }

    public long step() {
        return step;
    }
}

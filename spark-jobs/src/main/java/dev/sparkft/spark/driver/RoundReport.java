package dev.sparkft.spark.driver;

/**
 * What one round did: steps {@code [step, step + steps)}, the mean loss over its examples, the gradient's
 * global norm before clipping (in averaging mode: the norm of the outer gradient, minus the mean delta),
 * the learning rate used, whether it was skipped as non-finite, and its cost: wall time, the slowest
 * partition's compute time, the driver's update time, the payload bytes sent to and from each worker (in
 * the wire's precision; in local mode they pass by reference and are not copied: {@link RoundRunner}) and the
 * vector bytes the driver received (on a cluster one sum of each slice: about 1 × |θ|; 0 in local mode).
 * With compression, {@code bytesFromWorker} is the mean size of a partition's encoded vector, and
 * {@code residualNorm} the norm of all partitions' error-feedback residuals after the round (0 without).
 * {@code telemetry} is what Spark saw of the round: straggler skew, GC, peak memory ({@link RoundTelemetry}).
 * {@code flopsPerExample} is the model's training FLOPs per example (NaN where the engine does not count them),
 * {@code peakFlops} the executors' stated peak ({@link PeakFlops}).
 */
public record RoundReport(
        long step,
        int steps,
        double loss,
        long examples,
        double gradNorm,
        double learningRate,
        boolean skipped,
        long wallNanos,
        long computeNanos,
        long updateNanos,
        long bytesToWorker,
        long bytesFromWorker,
        long bytesIntoDriver,
        int workers,
        double residualNorm,
        RoundTelemetry.Round telemetry,
        double flopsPerExample,
        double peakFlops) {

    /** The step after this round. */
    public long nextStep() {
        return step + steps;
    }

    public double samplesPerSecond() {
        return wallNanos == 0 ? 0 : examples * 1e9 / wallNanos;
    }

    /** FLOP/s the round achieved, end to end: its examples' training FLOPs over its wall time. */
    public double achievedFlops() {
        return wallNanos == 0 ? Double.NaN : examples * flopsPerExample * 1e9 / wallNanos;
    }

    /** Model FLOPs utilisation: {@link #achievedFlops()} over the peak (NaN when either is unknown). */
    public double mfu() {
        return peakFlops > 0 ? achievedFlops() / peakFlops : Double.NaN;
    }

    /** How many times smaller a partition's vector was on the wire than uncompressed (1 without compression). */
    public double compressionRatio() {
        return bytesFromWorker == 0 ? 1 : (double) bytesToWorker / bytesFromWorker;
    }

    /** Round time not spent computing on the slowest worker or updating on the driver: the cost of Spark. */
    public long overheadNanos() {
        return Math.max(0, wallNanos - computeNanos - updateNanos);
    }
}

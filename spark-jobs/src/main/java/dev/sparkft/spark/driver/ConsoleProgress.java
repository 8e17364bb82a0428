package dev.sparkft.spark.driver;

import java.io.PrintStream;
import java.time.Duration;

/** One progress line every {@code everySteps} steps: step, loss, lr, grad norm, samples/s, round cost, ETA. */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private final long everySteps;
    private long startNanos;
    private long startStep;

    public ConsoleProgress(PrintStream out, long everySteps) {
        this.out = out;
        this.everySteps = everySteps;
    }

    @Override
    public void onStart(TrainingState state) {
        startNanos = System.nanoTime();
        startStep = state.step();
        out.printf("training from step %d to %d%n", state.step(), state.totalSteps());
    }

    @Override
    public void onRound(RoundReport r, TrainingState state) {
        boolean last = state.step() >= state.totalSteps();
        if (!last && r.nextStep() / everySteps == r.step() / everySteps) {
            return;
        }
        long elapsed = System.nanoTime() - startNanos;
        long done = state.step() - startStep;
        long etaSeconds = done == 0 ? 0 : (long) (elapsed / 1e9 * (state.totalSteps() - state.step()) / done);
        // With compression: how much smaller each worker's vector was, and what error feedback holds back.
        String compressed = r.compressionRatio() > 1 ? String.format(" | sent 1/%.1f, residual %.3g",
                r.compressionRatio(), r.residualNorm()) : "";
        out.printf("step %d/%d | loss %.4f | lr %.3e | grad %.3f | %.1f samples/s | round %d ms (compute %d ms,"
                        + " overhead %d ms)%s | %s%s%n",
                state.step(), state.totalSteps(), r.loss(), r.learningRate(), r.gradNorm(), r.samplesPerSecond(),
                r.wallNanos() / 1_000_000, r.computeNanos() / 1_000_000, r.overheadNanos() / 1_000_000, compressed,
                last ? "done" : "ETA " + format(Duration.ofSeconds(etaSeconds)),
                state.skippedSteps() > 0 ? " | skipped " + state.skippedSteps() : "");
    }

    @Override
    public void onEvaluation(ValidationResult result, TrainingState state) {
        out.printf("%s at step %d (epoch %.2f): validation loss %.4f, accuracy %.4f, macro F1 %.4f%n%s%s",
                result.end() ? "end-of-run evaluation" : "evaluation", result.step(), result.epoch(), result.loss(),
                result.report().accuracy(), result.report().macroAvg().f1(), result.scope(), result.report().format());
    }

    private static String format(Duration d) {
        return String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}

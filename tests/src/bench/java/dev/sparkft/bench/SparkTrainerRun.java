package dev.sparkft.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.RoundReport;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.driver.ValidationResult;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** SparkFT's synchronous trainer in local[2]: throughput with its round split, and time to a test accuracy. */
final class SparkTrainerRun {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private SparkTrainerRun() {
    }

    /** {@code warmup + steps} steps; figures over the last {@code steps} rounds (from the trainer's metrics). */
    static ObjectNode throughput(Path repo, Path out, int warmup, int steps) {
        TrainConfig config = BenchSetup.config(repo, out, "training.steps=" + (warmup + steps));
        TrainingResult result = TrainingService.train(config, false, QUIET);
        List<RoundReport> rounds = result.rounds().subList(warmup, warmup + steps);
        long wall = rounds.stream().mapToLong(RoundReport::wallNanos).sum();
        long examples = rounds.stream().mapToLong(RoundReport::examples).sum();
        RoundReport last = rounds.get(rounds.size() - 1);
        return FoundationBench.JSON.createObjectNode().put("samplesPerSec", examples * 1e9 / wall)
                .put("stepMs", wall / 1e6 / steps)
                .put("computeMs", median(rounds.stream().mapToLong(RoundReport::computeNanos).toArray()) / 1e6)
                .put("updateMs", median(rounds.stream().mapToLong(RoundReport::updateNanos).toArray()) / 1e6)
                .put("overheadMs", median(rounds.stream().mapToLong(RoundReport::overheadNanos).toArray()) / 1e6)
                .put("bytesToWorker", last.bytesToWorker()).put("bytesFromWorker", last.bytesFromWorker())
                .put("workers", last.workers()).put("parameters", result.params().length);
    }

    /**
     * Up to {@code epochs} epochs with a test-set evaluation after each; the training time (sum of round
     * times, evaluations excluded) until the first evaluation at or above {@code target}.
     */
    static ObjectNode timeToAccuracy(Path repo, Path out, int epochs, double target) {
        TrainConfig config = BenchSetup.config(repo, out, "training.steps=0", "training.epochs=" + epochs,
                "data.validation=" + BenchSetup.sample(repo, "test"), "evaluation.everyEpochs=1");
        TrainingResult result = TrainingService.train(config, false, QUIET);
        ObjectNode node = FoundationBench.JSON.createObjectNode();
        var accuracies = node.putArray("accuracyPerEpoch");
        double seconds = Double.NaN;
        // With whole epochs, the last epoch's evaluation is the end-of-run one.
        for (ValidationResult e : result.evaluations()) {
            accuracies.add(e.report().accuracy());
            if (Double.isNaN(seconds) && e.report().accuracy() >= target) {
                seconds = result.rounds().stream().filter(r -> r.step() < e.step())
                        .mapToLong(RoundReport::wallNanos).sum() / 1e9;
                node.put("epochsToTarget", e.epoch());
            }
        }
        return node.put("secondsToTarget", seconds);
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}

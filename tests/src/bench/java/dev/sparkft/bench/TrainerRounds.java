package dev.sparkft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.spark.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The timed rounds of a finished trainer run, read from its own metrics.jsonl (both trainer benches use them). */
final class TrainerRounds {
    final List<JsonNode> rounds;

    private TrainerRounds(List<JsonNode> rounds) {
        this.rounds = rounds;
    }

    /** The rounds from step {@code warmup} on; exactly {@code steps} of them or an error naming the file. */
    static TrainerRounds read(TrainConfig config, int warmup, int steps) throws IOException {
        List<JsonNode> rounds = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(config.logging().metricsFile()))) {
            JsonNode n = FoundationBench.JSON.readTree(line);
            if (n.has("roundMs") && n.get("step").asLong() >= warmup) {
                rounds.add(n);
            }
        }
        if (rounds.size() != steps) {
            throw new IllegalStateException(config.logging().metricsFile() + " has " + rounds.size()
                    + " timed rounds, expected " + steps);
        }
        return new TrainerRounds(rounds);
    }

    /** Examples per second over all timed rounds (their summed wall time). */
    double meanSamplesPerSec() {
        double wallMs = rounds.stream().mapToDouble(n -> n.get("roundMs").asDouble()).sum();
        long examples = rounds.stream().mapToLong(n -> n.get("examples").asLong()).sum();
        return examples * 1e3 / wallMs;
    }

    double median(String field) {
        double[] v = rounds.stream().mapToDouble(n -> n.get(field).asDouble()).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    double max(String field) {
        return rounds.stream().mapToDouble(n -> n.get(field).asDouble()).max().orElse(Double.NaN);
    }

    /** The round split's, skew's and MFU's medians, the last round's bytes, workers, FLOPs and peak, added to {@code node}. */
    ObjectNode putSplit(ObjectNode node) {
        JsonNode last = rounds.get(rounds.size() - 1);
        return node.put("stepMs", median("roundMs")).put("computeMs", median("computeMs"))
                .put("updateMs", median("updateMs")).put("overheadMs", median("overheadMs"))
                .put("bytesToWorker", last.get("bytesToWorker").asLong())
                .put("bytesFromWorker", last.get("bytesFromWorker").asLong()).put("workers", last.get("workers").asInt())
                .put("taskSkew", median("taskSkew")).put("taskSkewMax", max("taskSkew")).put("mfu", median("mfu"))
                .put("flopsPerExample", last.get("flopsPerExample").asDouble())
                .put("peakFlops", last.get("achievedFlops").asDouble() / last.get("mfu").asDouble())
                .set("stepsMs", FoundationBench.JSON.valueToTree(rounds.stream().map(n -> n.get("roundMs").asDouble())
                        .toList()));
    }
}

package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Driver side: the record that a run finished everything, training, its last checkpoint, the end-of-run report
 * and the export, in {@code <run.outputDir>/.sparkft-complete}. {@code train --resume} of a run whose record
 * matches its newest checkpoint and config does nothing, so a scheduler that retries or re-runs a finished task
 * (Airflow) neither trains again nor replaces the export.
 *
 * @param step       the run's last step
 * @param checkpoint the file name of the checkpoint saved at that step
 * @param configHash SHA-256 of the run's canonical config ({@link ConfigLoader#toTree})
 */
record RunCompletion(long step, String checkpoint, String configHash) {
    static final String FILE = ".sparkft-complete";
    private static final ObjectMapper JSON = new ObjectMapper();

    static RunCompletion of(TrainConfig config, long step, String checkpoint) {
        return new RunCompletion(step, checkpoint, hash(config));
    }

    /** Whether this record says {@code config}'s run is done, its newest checkpoint being {@code newest}. */
    boolean covers(TrainConfig config, String newest) {
        return checkpoint.equals(newest) && configHash.equals(hash(config));
    }

    /** The record in {@code outputDir}; empty when there is none or it cannot be read (then the run is redone). */
    static Optional<RunCompletion> read(Path outputDir) {
        Path file = outputDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            return Optional.of(new RunCompletion(n.path("step").asLong(-1), n.path("checkpoint").asText(""),
                    n.path("config").asText("")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Writes the record (a temporary file renamed over the old one). */
    void write(Path outputDir) {
        ObjectNode n = JSON.createObjectNode().put("step", step).put("checkpoint", checkpoint).put("config", configHash);
        Path tmp = outputDir.resolve(FILE + ".tmp");
        try {
            Files.writeString(tmp, n.toString() + "\n");
            Files.move(tmp, outputDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the finished run in " + outputDir.resolve(FILE), e);
        }
    }

    /** Removes a record, before a run that will change what it describes. */
    static void clear(Path outputDir) {
        try {
            Files.deleteIfExists(outputDir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + outputDir.resolve(FILE), e);
        }
    }

    private static String hash(TrainConfig config) {
        try {
            byte[] canonical = ConfigLoader.toTree(config).toString().getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}

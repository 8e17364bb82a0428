package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One JSON object per round appended to a local file, flushed at once so a crash loses nothing: losses,
 * learning rate, norms, throughput, round time split into compute / update / overhead, payload bytes per worker
 * each way; a line per validation evaluation ({@link MetricsLines}). A run that starts at step s (0, or the step it resumed from)
 * first drops the lines an interrupted run wrote for steps from s on (they are redone), so every step
 * appears once.
 */
public final class JsonlMetrics implements TrainingListener {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private BufferedWriter writer;

    public JsonlMetrics(Path file) {
        this.file = file;
    }

    @Override
    public void onStart(TrainingState state) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            dropLinesFrom(state.step());
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open logging.metricsFile " + file, e);
        }
    }

    /**
     * Rewrites the file without round lines of steps {@code >= step} and evaluation lines after {@code step}
     * (temporary file, then an atomic rename, so a crash here leaves the old file whole).
     */
    private void dropLinesFrom(long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        int dropped = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                // A line cut short by a crash mid-write: it belongs to no step that survived.
                dropped++;
                continue;
            }
            long at = n.path("step").asLong(-1);
            boolean evaluation = n.has("validationLoss");
            if (at < step || (evaluation && at == step)) {
                kept.add(line);
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            AtomicOutput.writeFile(file, out -> out.write((String.join("\n", kept) + (kept.isEmpty() ? "" : "\n"))
                    .getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Override
    public void onRound(RoundReport r, TrainingState state) {
        write(MetricsLines.round(r, state));
    }

    @Override
    public void onEvaluation(ValidationResult result, TrainingState state) {
        write(MetricsLines.evaluation(result));
    }

    @Override
    public void close() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close " + file, e);
            }
            writer = null;
        }
    }

    private void write(ObjectNode line) {
        try {
            writer.write(JSON.writeValueAsString(line));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to logging.metricsFile " + file, e);
        }
    }
}

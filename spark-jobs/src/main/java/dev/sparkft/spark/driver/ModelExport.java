package dev.sparkft.spark.driver;

import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelExporter;
import dev.sparkft.spark.config.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * Driver side: writes trained parameters through the engine's {@link ModelExporter} (found by the model's
 * engine name; the trainer does not know the format). The class names are the reports' ({@link LabelNames});
 * the tokenizer is the {@code tokenizer.json} next to the training table, where text preparation puts it.
 *
 * <p>The folder is written under a temporary name and then swapped in, so an earlier export is replaced only
 * by a complete one; and only a folder that an export wrote (it holds {@value #MARKER}) is ever replaced, so a
 * mistyped {@code export.dir} cannot delete a user's data. Both are checked before training.
 */
final class ModelExport {
    /** Written into every export folder: the proof that replacing the folder deletes nothing of the user's. */
    static final String MARKER = ".sparkft-export";

    private record Inputs(List<String> labels, Path tokenizer) {
    }

    private ModelExport() {
    }

    /**
     * Before anything runs: the engine can export, and {@code export.dir} (and its {@code -best} sibling) is
     * absent or an earlier export.
     */
    static void requireReplaceable(TrainConfig config) {
        if (!config.export().enabled()) {
            return;
        }
        exporter(config);
        for (Path target : List.of(Path.of(config.export().dir()), bestDir(config))) {
            Path t = target.toAbsolutePath();
            if (Files.exists(t) && !(Files.isDirectory(t) && Files.isRegularFile(t.resolve(MARKER)))) {
                throw new IllegalArgumentException("export.dir: " + t + " exists and is not a SparkFT export (no "
                        + MARKER + " file in it), so it will not be replaced; choose a new folder for export.dir"
                        + " or move that one away yourself (nothing was trained or deleted)");
            }
        }
    }

    /** Before training, once the data is prepared: the class names and tokenizer the export will need. */
    static void requireInputs(TrainConfig config, ModelArchitecture architecture, Configuration hadoopConf) {
        if (config.export().enabled()) {
            Inputs in = inputs(config, hadoopConf);
            try {
                exporter(config).checkInputs(architecture, in.labels(), in.tokenizer());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("export.dir is set but the export would fail: " + e.getMessage()
                        + " (nothing was trained)", e);
            }
        }
    }

    static Path bestDir(TrainConfig config) {
        return Path.of(config.export().dir() + "-best");
    }

    static Path write(TrainConfig config, ModelArchitecture architecture, float[] params, long step, Path target,
            Configuration hadoopConf) {
        Inputs in = inputs(config, hadoopConf);
        try {
            Path absolute = target.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            Path tmp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp-" + System.nanoTime());
            // What a LoRA adapter names as its base: the weights the run started from, as the user gave them.
            String base = config.model().options().get(ModelSource.WEIGHTS_OPTION) instanceof String w ? w : null;
            exporter(config).write(new ExportRequest(architecture, params, in.labels(), in.tokenizer(), tmp, base));
            Files.writeString(tmp.resolve(MARKER), "{\"run\": \"" + config.run().name().replace("\"", "'")
                    + "\", \"step\": " + step + ", \"written\": \"" + Instant.now() + "\"}\n", StandardCharsets.UTF_8);
            replace(tmp, absolute);
            return absolute;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export the model to " + target + ": " + e.getMessage(), e);
        }
    }

    private static Inputs inputs(TrainConfig config, Configuration hadoopConf) {
        List<String> labels = LabelNames.resolve(config.evaluation().labels(), config.data().train(), hadoopConf);
        org.apache.hadoop.fs.Path dataDir = new org.apache.hadoop.fs.Path(config.data().train()).getParent();
        if (dataDir == null) {
            return new Inputs(labels, null);
        }
        try {
            org.apache.hadoop.fs.FileSystem fs = dataDir.getFileSystem(hadoopConf);
            org.apache.hadoop.fs.Path tok = new org.apache.hadoop.fs.Path(dataDir, TextDataPreparation.TOKENIZER_FILE);
            return new Inputs(labels, fs.exists(tok) ? Path.of(fs.makeQualified(tok).toUri()) : null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + TextDataPreparation.TOKENIZER_FILE + " in " + dataDir,
                    e);
        }
    }

    private static ModelExporter exporter(TrainConfig config) {
        return ModelEngines.find(config.model().engine()).exporter().orElseThrow(() -> new IllegalArgumentException(
                "model.engine '" + config.model().engine() + "' has no export format; remove the export section"));
    }

    /**
     * Moves the complete {@code fresh} folder to {@code target}, deleting the previous export only afterwards,
     * and only if it still is one (checked again: the folder may have changed during training).
     */
    private static void replace(Path fresh, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            if (!Files.isRegularFile(target.resolve(MARKER))) {
                throw new IOException(target + " is no longer a SparkFT export (no " + MARKER + "); the new export"
                        + " is left in " + fresh);
            }
            old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
            Files.move(target, old);
        }
        Files.move(fresh, target);
        if (old != null) {
            try (Stream<Path> files = Files.walk(old)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelExporter;
import dev.sparkft.spark.config.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * Driver side: writes trained parameters through the engine's {@link ModelExporter} (found by the model's
 * engine name; the trainer does not know the format). The class names are the reports' ({@link LabelNames});
 * the tokenizer is the {@code tokenizer.json} next to the training table, where text preparation puts it. The folder is written under a temporary name and then swapped in, so an earlier export is replaced
 * only by a complete one.
 */
final class ModelExport {

    private ModelExport() {
    }

    /** Fails before any training when {@code export} is set and the engine cannot export. */
    static void requireSupported(TrainConfig config) {
        if (config.export().enabled()) {
            exporter(config);
        }
    }

    static Path write(TrainConfig config, float[] params, Path target, Configuration hadoopConf) {
        org.apache.hadoop.fs.Path dataDir = new org.apache.hadoop.fs.Path(config.data().train()).getParent();
        List<String> labels = LabelNames.resolve(config.evaluation().labels(), config.data().train(), hadoopConf);
        Path tokenizer = null;
        try {
            if (dataDir != null) {
                org.apache.hadoop.fs.FileSystem fs = dataDir.getFileSystem(hadoopConf);
                org.apache.hadoop.fs.Path tok = new org.apache.hadoop.fs.Path(dataDir, TextDataPreparation.TOKENIZER_FILE);
                if (fs.exists(tok)) {
                    tokenizer = Path.of(fs.makeQualified(tok).toUri());
                }
            }
            Path absolute = target.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            Path tmp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp-" + System.nanoTime());
            exporter(config).write(new ExportRequest(config.model(), params, labels, tokenizer, tmp));
            replace(tmp, absolute);
            return absolute;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export the model to " + target + ": " + e.getMessage(), e);
        }
    }

    private static ModelExporter exporter(TrainConfig config) {
        return ModelEngines.find(config.model().engine()).exporter().orElseThrow(() -> new IllegalArgumentException(
                "model.engine '" + config.model().engine() + "' has no export format; remove the export section"));
    }

    /** Moves the complete {@code fresh} folder to {@code target}, deleting the previous export only afterwards. */
    private static void replace(Path fresh, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
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

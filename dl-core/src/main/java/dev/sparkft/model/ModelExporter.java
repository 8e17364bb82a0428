package dev.sparkft.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a trained model in a format other tools load (e.g. a Hugging Face folder), on the driver, from what
 * the driver holds after training. An engine offers one through {@link ModelEngine#exporter()}.
 */
public interface ModelExporter {

    /**
     * Fails, saying what is missing, when an export with these inputs would fail: called before training, so
     * that a run does not end without its model after hours. The default accepts anything.
     */
    default void checkInputs(ModelArchitecture architecture, List<String> labels, Path tokenizer) {
    }

    /** Writes {@code request.target()}, a folder that must not exist yet. */
    void write(ExportRequest request) throws IOException;
}

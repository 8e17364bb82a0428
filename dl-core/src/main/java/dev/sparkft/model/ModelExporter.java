package dev.sparkft.model;

import java.io.IOException;

/**
 * Writes a trained model in a format other tools load (e.g. a Hugging Face folder), on the driver, from what
 * the driver holds after training. An engine offers one through {@link ModelEngine#exporter()}.
 */
public interface ModelExporter {

    /** Writes {@code request.target()}, a folder that must not exist yet. */
    void write(ExportRequest request) throws IOException;
}

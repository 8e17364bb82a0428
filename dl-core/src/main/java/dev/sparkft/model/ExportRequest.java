package dev.sparkft.model;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained model to export: its architecture and flat parameters (in the layout the architecture defines), the class
 * names in id order (empty when unknown), the tokenizer file a text model ships with ({@code null} for other
 * models) and the target folder.
 */
public record ExportRequest(ModelArchitecture architecture, float[] params, List<String> labels, Path tokenizer, Path target) {

    public ExportRequest {
        if (architecture == null || params == null || labels == null || target == null) {
            throw new IllegalArgumentException("an export needs the model architecture, parameters, labels and a target");
        }
        labels = List.copyOf(labels);
    }
}

package dev.sparkft.model;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained model to export: its spec and flat parameters (in the layout the spec's model defines), the class
 * names in id order (empty when unknown), the tokenizer file a text model ships with ({@code null} for other
 * models) and the target folder.
 */
public record ExportRequest(ModelSpec spec, float[] params, List<String> labels, Path tokenizer, Path target) {

    public ExportRequest {
        if (spec == null || params == null || labels == null || target == null) {
            throw new IllegalArgumentException("an export needs the model spec, parameters, labels and a target");
        }
        labels = List.copyOf(labels);
    }
}

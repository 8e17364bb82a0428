package dev.sparkft.model;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained model to export: its architecture and flat parameters (in the layout the architecture defines), the class
 * names in id order (empty when unknown), the tokenizer file a text model ships with ({@code null} for other
 * models), the target folder, and what the run's starting weights were (the user's reference, e.g. a Hugging Face
 * folder or hub name, for formats that point at their base model such as a LoRA adapter; null when unknown).
 */
public record ExportRequest(ModelArchitecture architecture, float[] params, List<String> labels, Path tokenizer, Path target,
        String baseModel) {

    public ExportRequest {
        if (architecture == null || params == null || labels == null || target == null) {
            throw new IllegalArgumentException("an export needs the model architecture, parameters, labels and a target");
        }
        labels = List.copyOf(labels);
    }

    /** An export that does not name its base model. */
    public ExportRequest(ModelArchitecture architecture, float[] params, List<String> labels, Path tokenizer,
            Path target) {
        this(architecture, params, labels, tokenizer, target, null);
    }
}

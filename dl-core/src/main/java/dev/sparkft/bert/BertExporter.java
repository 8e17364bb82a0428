package dev.sparkft.bert;

import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Exports a BERT classifier trained from {@link BertModelOptions} as a Hugging Face folder ({@link BertExport}). */
public final class BertExporter implements ModelExporter {

    @Override
    public void checkInputs(ModelArchitecture architecture, List<String> labels, Path tokenizer) {
        if (tokenizer == null) {
            throw new IllegalArgumentException("a Hugging Face folder needs the tokenizer.json the model was"
                    + " trained with: train from raw text (data.text), or put it next to the training table");
        }
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("a Hugging Face classifier needs its class names (labels.json"
                    + " next to the training data, or evaluation.labels)");
        }
        int numLabels = architecture.details(BertModelOptions.class).head().numLabels();
        if (labels.size() != numLabels) {
            throw new IllegalArgumentException(labels.size() + " class names " + labels + " for a model with "
                    + numLabels + " labels (model.options.numLabels)");
        }
    }

    @Override
    public void write(ExportRequest request) throws IOException {
        checkInputs(request.architecture(), request.labels(), request.tokenizer());
        BertModelOptions options = request.architecture().details(BertModelOptions.class);
        BertExport.write(options, BertParameterNames.layout(options.config(), options.head()), request.params(),
                request.labels(), request.tokenizer(), request.target());
    }
}

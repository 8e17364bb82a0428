package dev.sparkft.bert;

import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelExporter;
import dev.sparkft.model.ParameterLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Exports a BERT classifier trained from {@link BertModelOptions} as a Hugging Face folder ({@link BertExport}); a
 * LoRA model as that folder with the adapters merged, and its PEFT adapter folder inside ({@link LoraExport}).
 */
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
        ParameterLayout full = BertParameterNames.layout(options.config(), options.head());
        if (options.lora() == null) {
            BertExport.write(options, full, request.params(), request.labels(), request.tokenizer(), request.target());
            return;
        }
        if (request.architecture().frozen() == null) {
            throw new IllegalArgumentException("a LoRA model's export needs its frozen base weights, which this"
                    + " architecture does not carry (resolve the model spec on the driver)");
        }
        // The merged model is the folder every tool (and our own evaluate and predict) reads; the adapters go
        // beside it for PEFT.
        float[] merged = LoraExport.merged(options, request.architecture().frozen().values(), request.params());
        BertExport.write(options, full, merged, request.labels(), request.tokenizer(), request.target());
        LoraExport.writeAdapter(options, request.params(), request.baseModel(),
                request.target().resolve(LoraExport.ADAPTER_FOLDER));
    }
}

package dev.sparkft.bert;

import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelExporter;
import java.io.IOException;

/** Exports a BERT classifier trained from {@link BertModelOptions} as a Hugging Face folder ({@link BertExport}). */
public final class BertExporter implements ModelExporter {

    @Override
    public void write(ExportRequest request) throws IOException {
        if (request.tokenizer() == null) {
            throw new IllegalArgumentException("a Hugging Face folder needs the tokenizer.json the model was"
                    + " trained with: train from raw text (data.text), or put it next to the training table");
        }
        if (request.labels().isEmpty()) {
            throw new IllegalArgumentException("a Hugging Face classifier needs its class names (labels.json"
                    + " next to the training data)");
        }
        BertModelOptions options = BertModelOptions.parse(request.spec().options());
        BertExport.write(options, BertParameterNames.layout(options.config(), options.head()), request.params(),
                request.labels(), request.tokenizer(), request.target());
    }
}

package dev.sparkft.cnn;

import dev.sparkft.hf.HuggingFaceFolder;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelExporter;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports a trained CNN as a CNN folder: config.json with the class names, and model.safetensors (fp32) with every
 * parameter and running statistic under torchvision's names, which torchvision's {@code load_state_dict} accepts
 * ({@code num_batches_tracked} aside, which it does not need for evaluation) and from which training starts again.
 */
public final class CnnExporter implements ModelExporter {

    @Override
    public void checkInputs(ModelArchitecture architecture, List<String> labels, Path tokenizer) {
        int classes = architecture.details(CnnModelOptions.class).config().numClasses();
        if (!labels.isEmpty() && labels.size() != classes) {
            throw new IllegalArgumentException(labels.size() + " class names " + labels + " for a model with "
                    + classes + " classes (model.options.numLabels)");
        }
    }

    @Override
    public void write(ExportRequest request) throws IOException {
        checkInputs(request.architecture(), request.labels(), request.tokenizer());
        CnnModelOptions options = request.architecture().details(CnnModelOptions.class);
        CnnConfig c = options.config();
        CnnConfig config = request.labels().isEmpty() ? c
                : c.with(request.labels(), c.channels(), c.height(), c.width(), c.mean(), c.std());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (ParameterSegment s : options.layout().segments()) {
            float[] values = Arrays.copyOfRange(request.params(), (int) s.offset(), (int) s.end());
            tensors.put(s.name(), Tensor.ofFloats(values, s.shape()));
        }
        HuggingFaceFolder.writeNew(request.target(), "export target", folder -> {
            SafeTensors.write(folder.resolve(HuggingFaceFolder.WEIGHTS), tensors, Map.of("format", "pt"),
                    SafeTensors.Dtype.F32);
            config.write(folder.resolve(HuggingFaceFolder.CONFIG));
        });
    }
}

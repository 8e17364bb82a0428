package dev.sparkft.bert;

import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.hf.HuggingFaceFolder;
import dev.sparkft.model.ParameterLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a fine-tuned BERT classifier (its options, layout and flat vector) as a Hugging Face folder that
 * {@code transformers} loads with {@code AutoModelForSequenceClassification} / {@code ...TokenClassification}:
 * model.safetensors under HF names, config.json with the architecture and id2label/label2id, tokenizer.json.
 * Engine-neutral: it needs only what the driver holds after training.
 */
public final class BertExport {

    private BertExport() {
    }

    /**
     * @param labels the label names in id order, one per class
     * @param target a folder that must not exist yet
     */
    public static void write(BertModelOptions options, ParameterLayout layout, float[] flat, List<String> labels,
            Path tokenizerJson, Path target) throws IOException {
        ParameterLayout expected = BertParameterNames.layout(options.config(), options.head());
        if (!sameNamesAndShapes(layout, expected)) {
            throw new IllegalArgumentException("the parameter layout does not belong to these options: " + layout);
        }
        if (labels.size() != options.head().numLabels()) {
            throw new IllegalArgumentException(labels.size() + " label names " + labels + " for a model with "
                    + options.head().numLabels() + " labels (option numLabels)");
        }
        HuggingFaceBert model = BertFlatVector.unflatten(layout, flat, options.config(),
                architecture(options.head()), labels);
        HuggingFaceFolder.export(model, tokenizerJson, target);
    }

    /** The transformers class computing the same logits as {@code head}. */
    static BertArchitecture architecture(BertHead head) {
        if (head.task() == BertTask.TOKEN_CLASSIFICATION) {
            return BertArchitecture.TOKEN_CLASSIFICATION;
        }
        if (head.pooling() != Pooling.CLS) {
            throw new IllegalArgumentException("a sequence classifier with pooling '" + head.pooling().optionName()
                    + "' has no transformers class (BertForSequenceClassification pools with the CLS pooler);"
                    + " train with pooling 'cls' to export a Hugging Face folder");
        }
        return BertArchitecture.SEQUENCE_CLASSIFICATION;
    }

    private static boolean sameNamesAndShapes(ParameterLayout a, ParameterLayout b) {
        if (a.segments().size() != b.segments().size()) {
            return false;
        }
        for (int i = 0; i < a.segments().size(); i++) {
            if (!a.segments().get(i).name().equals(b.segments().get(i).name())
                    || !Arrays.equals(a.segments().get(i).shape(), b.segments().get(i).shape())) {
                return false;
            }
        }
        return true;
    }
}

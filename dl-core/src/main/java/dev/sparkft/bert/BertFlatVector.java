package dev.sparkft.bert;

import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.hf.ClassifierHead;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts between a Hugging Face BERT model ({@link HuggingFaceBert}: encoder keys without {@code bert.},
 * classifier head) and the flat vector laid out by {@link BertParameterNames} ({@code bert.}-prefixed names,
 * {@code classifier.*}). Shapes were already checked against the config by {@link BertWeights}.
 */
public final class BertFlatVector {
    private static final Logger LOG = LoggerFactory.getLogger(BertFlatVector.class);
    private static final String CLASSIFIER_WEIGHT = "classifier.weight";
    private static final String CLASSIFIER_BIAS = "classifier.bias";

    private BertFlatVector() {
    }

    /**
     * The flat vector of {@code model}. A classifier head or pooler the model lacks (a pretrained encoder has
     * no head; a token classifier no pooler) starts from the seeded HF initialisation, logged. A classifier
     * of another size is refused: its labels cannot be this model's.
     */
    public static float[] flatten(ParameterLayout layout, HuggingFaceBert model, long seed) {
        ClassifierHead head = model.classifier();
        boolean withHead = layout.segments().stream().anyMatch(s -> s.name().equals(CLASSIFIER_WEIGHT));
        ParameterSegment headWeight = withHead ? layout.segment(CLASSIFIER_WEIGHT) : null;
        if (head != null && withHead && !Arrays.equals(head.weight().shape(), headWeight.shape())) {
            throw new IllegalArgumentException("the weights hold a classifier for " + head.labels().size()
                    + " labels " + head.labels() + " but option 'model.options.numLabels' is " + headWeight.shape()[0]
                    + "; set numLabels to " + head.labels().size() + " or start from the encoder without the head");
        }
        float[] flat = new float[layout.size()];
        List<String> initialised = new ArrayList<>();
        int adapters = 0;
        for (ParameterSegment s : layout.segments()) {
            boolean adapter = s.name().contains(".lora_");
            Tensor t = adapter ? null : find(model, s.name());
            if (adapter) {
                t = LoraOptions.initial(s.name(), s.shape(), seed);
                adapters++;
            } else if (t == null) {
                t = RandomBertWeights.tensor(s.name(), s.shape(), seed);
                initialised.add(s.name());
            } else if (!Arrays.equals(t.shape(), s.shape())) {
                throw new IllegalArgumentException("weight '" + s.name() + "' is " + t + ", the model needs float"
                        + Arrays.toString(s.shape()) + "; check the weights against the config");
            }
            System.arraycopy(t.floats(), 0, flat, (int) s.offset(), t.floats().length);
        }
        if (!initialised.isEmpty()) {
            LOG.info("not in the weights, initialised with seed {}: {}", seed, initialised);
        }
        if (adapters > 0) {
            LOG.info("{} LoRA adapter matrices initialised as PEFT does (A uniform, B zero) with seed {}", adapters,
                    seed);
        }
        boolean wholeEncoder = layout.segments().stream().anyMatch(s -> s.name().contains(".word_embeddings."));
        if (wholeEncoder && model.encoder().hasPooler()
                && layout.segments().stream().noneMatch(s -> s.name().contains("pooler."))) {
            LOG.info("the weights' pooler is not used by this head (token classification or mean pooling)");
        }
        return flat;
    }

    /** The model held in {@code flat}, with the classifier's labels in id order. */
    public static HuggingFaceBert unflatten(ParameterLayout layout, float[] flat, BertConfig config,
            BertArchitecture architecture, List<String> labels) {
        if (flat.length != layout.size()) {
            throw new IllegalArgumentException("flat vector has " + flat.length + " values, the layout needs "
                    + layout.size());
        }
        Map<String, Tensor> encoder = new LinkedHashMap<>();
        for (ParameterSegment s : layout.segments()) {
            if (s.name().startsWith(BertParameterNames.ENCODER_PREFIX)) {
                encoder.put(s.name().substring(BertParameterNames.ENCODER_PREFIX.length()), slice(flat, s));
            }
        }
        ClassifierHead head = new ClassifierHead(labels, slice(flat, layout.segment(CLASSIFIER_WEIGHT)),
                slice(flat, layout.segment(CLASSIFIER_BIAS)));
        return new HuggingFaceBert(new BertWeights(config, encoder), architecture, head);
    }

    private static Tensor find(HuggingFaceBert model, String name) {
        if (name.startsWith(BertParameterNames.ENCODER_PREFIX)) {
            return model.encoder().tensors().get(name.substring(BertParameterNames.ENCODER_PREFIX.length()));
        }
        ClassifierHead head = model.classifier();
        if (head == null) {
            return null;
        }
        return switch (name) {
            case CLASSIFIER_WEIGHT -> head.weight();
            case CLASSIFIER_BIAS -> head.bias();
            default -> throw new IllegalStateException("unexpected parameter " + name);
        };
    }

    private static Tensor slice(float[] flat, ParameterSegment s) {
        return Tensor.ofFloats(Arrays.copyOfRange(flat, (int) s.offset(), (int) s.end()), s.shape());
    }
}

package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.bert.BertTask;
import dev.sparkft.bert.Precision;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.Evaluation;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import java.util.ArrayList;
import java.util.List;

/**
 * A Hugging Face-exact BERT classifier on DJL's PyTorch engine behind the model seam (executor side).
 * Parameters live in one off-heap buffer ({@link ParameterArrays}); each gradient step runs in its own
 * NDManager, closed before returning, so native memory does not grow from step to step.
 */
public final class DjlBertModel implements TrainableModel {
    private final BertModelOptions options;
    private final ParameterLayout layout;
    private final BertClassifier classifier;
    private final NDManager manager;
    private final ParameterArrays params;
    /** LoRA's frozen encoder weights, loaded once; null without LoRA. */
    private final ParameterArrays frozen;
    private final FlatGradient export = new FlatGradient();
    private boolean loaded;
    private boolean frozenLoaded;

    /** @param manager a PyTorch manager the model owns and closes */
    public DjlBertModel(BertModelOptions options, NDManager manager) {
        if (options.precision() == Precision.BF16) {
            Bf16Support.require();
        }
        this.options = options;
        this.layout = options.layout();
        this.classifier = new BertClassifier(options.config(), options.head(), options.lora());
        this.manager = manager;
        this.params = new ParameterArrays(manager, layout, DataType.FLOAT32);
        ParameterLayout frozenLayout = options.frozenLayout();
        this.frozen = frozenLayout.segments().isEmpty() ? null
                : new ParameterArrays(manager, frozenLayout, DataType.FLOAT32);
        this.frozenLoaded = frozen == null;
    }

    @Override
    public ParameterLayout layout() {
        return layout;
    }

    @Override
    public List<String> inputColumns() {
        List<String> columns = new ArrayList<>(BatchArrays.INPUT_COLUMNS);
        columns.add(options.head().task().labelColumn());
        return columns;
    }

    @Override
    public List<String> predictionColumns() {
        return List.copyOf(BatchArrays.INPUT_COLUMNS);
    }

    @Override
    public List<ColumnExpectation> expectations() {
        BertConfig c = options.config();
        String labels = options.head().task().labelColumn();
        ColumnExpectation label = ColumnExpectation.intRange(labels, 0, options.head().numLabels() - 1,
                "model.options.numLabels = " + options.head().numLabels());
        return List.of(
                ColumnExpectation.intRange(BatchArrays.INPUT_IDS, 0, c.vocabSize() - 1, "vocab_size = " + c.vocabSize())
                        .withMaxLength(c.maxPositions(), "max_position_embeddings = " + c.maxPositions()),
                ColumnExpectation.intRange(BatchArrays.ATTENTION_MASK, 0, 1, "a mask"),
                ColumnExpectation.intRange(BatchArrays.TOKEN_TYPE_IDS, 0, c.typeVocabSize() - 1,
                        "type_vocab_size = " + c.typeVocabSize()),
                options.head().task() == BertTask.TOKEN_CLASSIFICATION
                        ? label.alsoAllowing(BertClassifier.IGNORED_LABEL) : label);
    }

    @Override
    public ParameterLayout frozenLayout() {
        return options.frozenLayout();
    }

    @Override
    public void setFrozenParameters(float[] values) {
        if (frozen == null) {
            TrainableModel.super.setFrozenParameters(values);
            return;
        }
        frozen.set(values);
        frozenLoaded = true;
    }

    @Override
    public void setParameters(float[] flat) {
        params.set(flat);
        loaded = true;
    }

    @Override
    public LossSum accumulateGradient(Batch batch, float[] gradientSum) {
        requireLoaded();
        if (gradientSum.length != layout.size()) {
            throw new IllegalArgumentException("gradient buffer has " + gradientSum.length
                    + " values, the layout needs " + layout.size());
        }
        long weight = BatchArrays.lossWeight(batch, options.head());
        try (NDManager step = manager.newSubManager()) {
            BertInputs in = BatchArrays.inputs(step, batch, options.config());
            NDArray labels = BatchArrays.labels(step, batch, options.head());
            double loss = BertBackward.run(step, classifier, params, frozen, options.precision(), in, labels,
                    (segment, grad) -> export.addInto(segment, grad, gradientSum));
            return new LossSum(loss, weight);
        }
    }

    @Override
    public Tensor predict(Batch batch) {
        requireLoaded();
        try (NDManager step = manager.newSubManager()) {
            NDArray logits = BertBackward.logits(step, classifier, params, frozen, options.precision(),
                    BatchArrays.inputs(step, batch, options.config()));
            return Tensor.ofFloats(logits.toFloatArray(), logits.getShape().getShape());
        }
    }

    /** Loss and logits from one forward pass without gradients. */
    @Override
    public Evaluation evaluate(Batch batch) {
        requireLoaded();
        long weight = BatchArrays.lossWeight(batch, options.head());
        try (NDManager step = manager.newSubManager()) {
            BertBackward.Evaluated out = BertBackward.evaluate(step, classifier, params, frozen, options.precision(),
                    BatchArrays.inputs(step, batch, options.config()), BatchArrays.labels(step, batch, options.head()));
            return new Evaluation(new LossSum(out.lossSum(), weight),
                    Tensor.ofFloats(out.logits().toFloatArray(), out.logits().getShape().getShape()));
        }
    }

    /**
     * The encoder's last hidden state [n, seq, hidden] at the current parameters (the input of a token
     * classifier's head; what sentence embeddings pool), for checks against other runtimes.
     */
    public Tensor encode(Batch batch) {
        requireLoaded();
        try (NDManager step = manager.newSubManager()) {
            NDArray hidden = BertBackward.lastHiddenState(step, classifier, params, frozen, options.precision(),
                    BatchArrays.inputs(step, batch, options.config()));
            return Tensor.ofFloats(hidden.toFloatArray(), hidden.getShape().getShape());
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException("setParameters must be called before computing with the model");
        }
        if (!frozenLoaded) {
            throw new IllegalStateException("setFrozenParameters must be called before computing with a LoRA model"
                    + " (ModelEngines.create does it when the architecture carries them)");
        }
    }
}

package dev.sparkft.model;

import java.util.List;

/**
 * The model seam, as the trainer sees every model whatever its engine: one flat float parameter vector and
 * "given a batch, add the gradient of the summed loss into a flat vector". Executor-side: one instance per
 * executor JVM per {@link ModelArchitecture}, reused across steps, closed when the JVM is done with it.
 *
 * <p>Implementations are not thread-safe; a caller uses one instance from one thread at a time.
 */
public interface TrainableModel extends AutoCloseable {

    /** Names, shapes, decay and freezing of the segments of the flat vector. */
    ParameterLayout layout();

    /** Dataset columns the model reads (inputs and labels), so schemas are checked before any job runs. */
    List<String> inputColumns();

    /**
     * The columns {@link #predict} reads: {@link #inputColumns()} without the labels, so that unlabelled data can be
     * scored. The default is every input column; engines whose inputs include labels name the rest.
     */
    default List<String> predictionColumns() {
        return inputColumns();
    }

    /**
     * What each input column must hold (lengths, value ranges), checked over the whole dataset before training
     * starts. The default expects nothing beyond the schema; engines name what would fail inside a step.
     */
    default List<ColumnExpectation> expectations() {
        return List.of();
    }

    /**
     * The layout of the values the model computes with but never trains (LoRA's base weights), which are not in
     * the flat vector; empty for most models.
     */
    default ParameterLayout frozenLayout() {
        return ParameterLayout.builder().build();
    }

    /**
     * Loads the frozen values (length {@code frozenLayout().size()}), once, before computing: {@link ModelEngines}
     * does it when it builds a model whose architecture carries them.
     */
    default void setFrozenParameters(float[] values) {
        if (values.length != frozenLayout().size()) {
            throw new IllegalArgumentException(values.length + " frozen values for a model that has "
                    + frozenLayout().size());
        }
    }

    /** Loads {@code flat} (length {@code layout().size()}) as the current parameters. */
    void setParameters(float[] flat);

    /**
     * Forward and backward pass at the current parameters: adds the gradient of the batch's summed loss
     * into {@code gradientSum} (not the mean: sums from any split of a global batch add up to the same
     * total) and returns that loss sum with its weight (examples, or labelled tokens). Frozen segments
     * receive no gradient.
     */
    LossSum accumulateGradient(Batch batch, float[] gradientSum);

    /** Model outputs for a batch at the current parameters, e.g. logits {@code [n, classes]}. */
    Tensor predict(Batch batch);

    /**
     * The summed loss (as {@link #accumulateGradient} returns it) and the outputs ({@link #predict}) of a
     * labelled batch at the current parameters. This default runs a backward pass into a scratch buffer and a
     * second forward pass; an engine that can compute the loss from one forward pass without gradients
     * should override it (evaluation of a large validation set is otherwise three forward passes' worth).
     */
    default Evaluation evaluate(Batch batch) {
        LossSum loss = accumulateGradient(batch, new float[layout().size()]);
        return new Evaluation(loss, predict(batch));
    }

    /** Releases native memory; the instance is unusable afterwards. */
    @Override
    void close();
}

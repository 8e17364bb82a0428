package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.sparkft.bert.Precision;
import dev.sparkft.model.ParameterSegment;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One forward and backward pass of a {@link BertClassifier}, safe on any thread and with no stale gradients
 * ({@link Autograd}). Frozen parameters enter the graph as they are and get no gradient; {@code frozen} is
 * null for a model without frozen arrays of its own (every model but LoRA). In bf16 the leaves are
 * bf16 copies ({@link #weights}).
 */
public final class BertBackward {

    /** Receives each trainable segment's gradient; the array is valid only during the call. */
    @FunctionalInterface
    public interface GradientSink {
        void accept(ParameterSegment segment, NDArray gradient);
    }

    private BertBackward() {
    }

    /**
     * Computes the summed loss and hands every trainable segment's gradient to {@code sink}. All temporaries
     * live in {@code step}, which the caller closes.
     */
    public static double run(NDManager step, BertClassifier model, ParameterArrays params, ParameterArrays frozen,
            Precision precision, BertInputs in, NDArray labels, GradientSink sink) {
        return Autograd.withGradMode(true, () -> {
            Map<String, NDArray> weights = weights(step, params, frozen, precision, true);
            NDArray loss = model.lossSum(weights::get, in, labels);
            Autograd.backward(loss);
            for (ParameterSegment s : params.layout().segments()) {
                if (s.trainable()) {
                    sink.accept(s, weights.get(s.name()).getGradient());
                }
            }
            return loss.getDataType() == DataType.FLOAT64 ? loss.getDouble() : loss.getFloat();
        });
    }

    /**
     * The arrays one step computes with, by segment name. In fp32 a trainable parameter enters through a fresh
     * leaf sharing its storage ({@code detach()}). In bf16 the weights of linear layers enter as bf16 copies
     * made outside autograd, which then are the leaves, so their gradients are bf16 (autocast's cast-backward
     * would only widen the same values); embedding tables and LayerNorm parameters stay fp32, as autocast
     * leaves them. Frozen parameters (segments marked so, and every array of {@code frozen}: LoRA's base
     * weights) enter as they are, cast where needed, with no gradient.
     */
    private static Map<String, NDArray> weights(NDManager step, ParameterArrays params, ParameterArrays frozen,
            Precision precision, boolean differentiate) {
        Map<String, NDArray> weights = new HashMap<>();
        if (frozen != null) {
            weights.putAll(weights(step, frozen, null, precision, false));
        }
        for (ParameterSegment s : params.layout().segments()) {
            NDArray master = params.get(s.name());
            boolean cast = precision == Precision.BF16 && !s.name().contains("LayerNorm")
                    && !s.name().contains(".embeddings.");
            NDArray w = master;
            if (cast) {
                w = master.toType(DataType.BFLOAT16, false);
                w.attach(step);
            } else if (differentiate && s.trainable()) {
                w = Autograd.leaf(step, master);
            }
            if (cast && differentiate && s.trainable()) {
                w.setRequiresGradient(true);
            }
            weights.put(s.name(), w);
        }
        return weights;
    }

    /** Logits (fp32, or fp64 in tests) at the current parameters, with grad mode off on this thread. */
    public static NDArray logits(NDManager step, BertClassifier model, ParameterArrays params, ParameterArrays frozen,
            Precision precision, BertInputs in) {
        return withoutGradient(() -> master(model.logits(weights(step, params, frozen, precision, false)::get, in),
                params));
    }

    /**
     * Loss sum and logits of one forward pass with grad mode off: what evaluation needs, at a third of the
     * cost of a backward pass plus a second forward. The loss is computed as {@link #run} computes it.
     */
    public static Evaluated evaluate(NDManager step, BertClassifier model, ParameterArrays params,
            ParameterArrays frozen, Precision precision, BertInputs in, NDArray labels) {
        return withoutGradient(() -> {
            NDArray logits = model.logits(weights(step, params, frozen, precision, false)::get, in);
            NDArray loss = model.lossSum(logits, labels);
            double value = loss.getDataType() == DataType.FLOAT64 ? loss.getDouble() : loss.getFloat();
            return new Evaluated(value, master(logits, params));
        });
    }

    /** A batch's summed loss and its logits in the parameters' dtype. */
    public record Evaluated(double lossSum, NDArray logits) {
    }

    /** The encoder's last hidden state at the current parameters, with grad mode off on this thread. */
    public static NDArray lastHiddenState(NDManager step, BertClassifier model, ParameterArrays params,
            ParameterArrays frozen, Precision precision, BertInputs in) {
        return withoutGradient(() -> master(model.encoder().forward(
                weights(step, params, frozen, precision, false)::get, in, false).hidden(), params));
    }

    private static NDArray master(NDArray a, ParameterArrays params) {
        return a.getDataType() == params.dtype() ? a : a.toType(params.dtype(), false);
    }

    private static <T> T withoutGradient(Supplier<T> forward) {
        return Autograd.withGradMode(false, forward);
    }
}

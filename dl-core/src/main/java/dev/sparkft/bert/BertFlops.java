package dev.sparkft.bert;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.FlopTally;

/**
 * Floating-point operations of a BERT classifier per example, counted as PyTorch's {@code FlopCounterMode} counts
 * them: the matrix products only (2 per multiply-add; embeddings, layer norms, softmax and activations are
 * not counted), at the batch's padded sequence length L.
 *
 * <p>Forward, per encoder layer: the Q, K, V and output projections (4 × 2·L·H²), the attention scores and their
 * weighted sum (2 × 2·L²·H) and the feed-forward (2 × 2·L·H·I); then the pooler on the [CLS] token (2·H²) and
 * the classifier (2·H·C, or per token 2·L·H·C). LoRA adds, per adapted module, x·A (2·L·in·r) and (xA)·B
 * (2·L·r·out).
 *
 * <p>Training adds the backward pass, which computes, for each product, the gradient of every operand that needs
 * one: of a trained weight, and of an activation that depends on something trained. In full fine-tuning that is
 * both operands of every product (3 × forward). Under LoRA the frozen weights take none, and the first layers'
 * activations need one only once an adapter is upstream: the count follows that through each layer.
 */
public final class BertFlops {
    private BertFlops() {
    }

    /** Forward FLOPs of one example of {@code sequenceLength} tokens. */
    public static double forward(BertModelOptions model, int sequenceLength) {
        return count(model, sequenceLength, false);
    }

    /** Forward plus backward FLOPs of one training example of {@code sequenceLength} tokens. */
    public static double training(BertModelOptions model, int sequenceLength) {
        return count(model, sequenceLength, true);
    }

    private static double count(BertModelOptions model, int sequenceLength, boolean backward) {
        BertConfig c = model.config();
        double l = sequenceLength;
        double h = c.hiddenSize();
        double i = c.intermediateSize();
        LoraOptions lora = model.lora();
        FlopTally p = new FlopTally(backward);
        // Whether the layer's input depends on something trained: the embeddings are, unless LoRA froze them.
        boolean input = lora == null;
        for (int layer = 0; layer < c.numLayers(); layer++) {
            boolean q = linear(p, l, h, h, input, lora, "attention.self.query");
            boolean k = linear(p, l, h, h, input, lora, "attention.self.key");
            boolean v = linear(p, l, h, h, input, lora, "attention.self.value");
            boolean scores = p.product(2 * l * l * h, q, k);
            boolean context = p.product(2 * l * l * h, scores, v);
            boolean attention = linear(p, l, h, h, context, lora, "attention.output.dense") || input;
            boolean intermediate = linear(p, l, h, i, attention, lora, "intermediate.dense");
            input = linear(p, l, i, h, intermediate, lora, "output.dense") || attention;
        }
        BertHead head = model.head();
        boolean pooled = input;
        if (head.usesPooler()) {
            p.product(2 * h * h, input, true);
            pooled = true;
        }
        p.product(2 * h * head.numLabels() * (head.task() == BertTask.TOKEN_CLASSIFICATION ? l : 1), pooled, true);
        return p.total();
    }

    /**
     * A linear layer {@code in → out} over {@code l} tokens: its weight (trained unless LoRA froze it) and, when
     * LoRA adapts {@code module}, the adapter's two products. Returns whether its output needs a gradient.
     */
    private static boolean linear(FlopTally p, double l, double in, double out, boolean input, LoraOptions lora,
            String module) {
        double weight = 2 * l * in * out;
        if (lora == null) {
            return p.product(weight, input, true);
        }
        p.product(weight, input, false); // the frozen weight: only the input's gradient, if any
        if (!lora.targets().contains(module)) {
            return input;
        }
        p.product(2 * l * in * lora.rank(), input, true);   // x·A
        return p.product(2 * l * lora.rank() * out, true, true); // (xA)·B: xA depends on A
    }
}

package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkft.bert.BertHead;
import dev.sparkft.bert.BertTask;
import dev.sparkft.bert.LoraOptions;
import dev.sparkft.bert.Pooling;
import dev.sparkft.hf.BertConfig;
import java.util.function.Function;

/**
 * A classification head on {@link BertEncoder}: logits and summed cross-entropy. Sequence classification
 * pools (HF pooler, or masked mean) and applies {@code classifier}; token classification applies it to every
 * token and ignores labels of -100, as {@code BertForTokenClassification} does. No dropout (deterministic).
 */
public final class BertClassifier {
    /** Label value of tokens that carry no label (HF's {@code ignore_index}). */
    public static final int IGNORED_LABEL = -100;

    private final BertEncoder encoder;
    private final BertHead head;

    /** @param lora LoRA adapters on the encoder, or null */
    public BertClassifier(BertConfig config, BertHead head, LoraOptions lora) {
        this.encoder = new BertEncoder(config, lora);
        this.head = head;
    }

    public BertHead head() {
        return head;
    }

    public BertConfig config() {
        return encoder.config();
    }

    public BertEncoder encoder() {
        return encoder;
    }

    /**
     * Logits: [n, labels] for sequence classification, [n, seq, labels] for token classification, in the
     * compute dtype (bf16 stays bf16: {@code toType} is not differentiable in DJL, so the loss casts inside
     * log-softmax instead).
     */
    public NDArray logits(Function<String, NDArray> params, BertInputs in) {
        BertEncoder.Output out = encoder.forward(params, in, head.usesPooler());
        NDArray features;
        if (head.task() == BertTask.TOKEN_CLASSIFICATION) {
            features = out.hidden();
        } else if (head.pooling() == Pooling.CLS) {
            features = out.pooled();
        } else {
            NDArray mask = in.attentionMask().toType(out.hidden().getDataType(), false).expandDims(-1);
            NDArray counts = mask.sum(new int[] {1}).maximum(1e-9);
            features = out.hidden().mul(mask).sum(new int[] {1}).div(counts);
        }
        return BertEncoder.linear(features, params, "classifier");
    }

    /**
     * Summed cross-entropy (a scalar) over examples, or over labelled tokens. {@code labels} is int64 [n]
     * or [n, seq] and already validated: in [0, numLabels), or -100 for unlabelled tokens.
     */
    public NDArray lossSum(Function<String, NDArray> params, BertInputs in, NDArray labels) {
        return lossSum(logits(params, in), labels);
    }

    /** The same from logits already computed. */
    public NDArray lossSum(NDArray logits, NDArray labels) {
        long classes = head.numLabels();
        NDArray logProbs = JniUtils.logSoftmax((PtNDArray) logits.reshape(-1, classes), -1, lossType(logits));
        NDArray flat = labels.reshape(-1, 1);
        if (head.task() == BertTask.SEQUENCE_CLASSIFICATION) {
            return logProbs.gather(flat, 1).sum().neg();
        }
        NDArray labelled = flat.neq(IGNORED_LABEL);
        NDArray safe = flat.mul(labelled.toType(flat.getDataType(), false));
        return logProbs.gather(safe, 1).mul(labelled.toType(logProbs.getDataType(), false)).sum().neg();
    }

    /** The loss is fp32 when the model computes in bf16 (as under autocast), else the compute dtype. */
    static DataType lossType(NDArray logits) {
        return logits.getDataType() == DataType.BFLOAT16 ? DataType.FLOAT32 : logits.getDataType();
    }
}

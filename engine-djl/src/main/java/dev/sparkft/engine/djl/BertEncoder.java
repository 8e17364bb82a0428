package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkft.bert.BertParameterNames;
import dev.sparkft.bert.LoraOptions;
import dev.sparkft.hf.BertConfig;
import java.util.function.Function;

/**
 * Hugging Face-exact BERT encoder as a function of named parameters ({@link BertParameterNames}), composed
 * from libtorch primitives: embeddings (word + token type + position) and LayerNorm, then per layer
 * post-LN self-attention with HF's additive mask (the dtype's lowest value at padded keys) and an FFN
 * with exact erf GELU; the pooler is tanh(dense(hidden[:, 0])). No dropout (deterministic training).
 * DJL's own BertBlock differs from HF (normalisation, residuals, pooler), so it is not used.
 *
 * <p>Arrays are created in the inputs' manager. Embeddings, LayerNorms and the residual stream are in the
 * master dtype (fp32, or fp64 in tests); matrix products, attention and GELU in the dtype of the linear
 * weights, which is bf16 in bf16 precision ({@link BertBackward} casts them).
 */
public final class BertEncoder {
    private final BertConfig config;
    private final LoraOptions lora;

    /** @param lora adapters on the layers' linear modules, or null for none */
    public BertEncoder(BertConfig config, LoraOptions lora) {
        this.config = config;
        this.lora = lora;
    }

    public BertConfig config() {
        return config;
    }

    /** The last hidden state [n, seq, hidden] and, when {@code withPooler}, the pooled output [n, hidden]. */
    public Output forward(Function<String, NDArray> params, BertInputs in, boolean withPooler) {
        String p = BertParameterNames.ENCODER_PREFIX;
        int n = in.batchSize();
        int seq = in.sequenceLength();
        NDArray words = params.apply(p + "embeddings.word_embeddings.weight");
        // The matrix products run in the dtype of the linear weights (bf16, or the master dtype).
        DataType compute = params.apply(BertParameterNames.layer(0) + "attention.self.query.weight").getDataType();

        NDArray positions = in.inputIds().getManager().arange(0L, (long) seq, 1L, DataType.INT64);
        NDArray x = embedding(in.inputIds(), words)
                .add(embedding(in.tokenTypeIds(), params.apply(p + "embeddings.token_type_embeddings.weight")))
                .add(embedding(positions, params.apply(p + "embeddings.position_embeddings.weight")));
        x = layerNorm(x, params, p + "embeddings.LayerNorm");

        // [n, 1, 1, seq]: 0 where a key may be attended, the dtype's lowest value where it is padding.
        NDArray maskBias = in.attentionMask().toType(compute, false).neg().add(1).mul(lowest(compute))
                .reshape(n, 1, 1, seq);
        NDArray scale = torchOwnedScalar(in.inputIds().getManager(), 1.0 / Math.sqrt(config.headSize()), compute);
        NDArray scaling = lora == null ? null : torchOwnedScalar(in.inputIds().getManager(), lora.scaling(), compute);
        Linear linear = (input, name) -> adapted(input, params, name, scaling);
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer(x, maskBias, scale, params, linear, BertParameterNames.layer(i), n, seq);
        }
        NDArray pooled = null;
        if (withPooler) {
            NDArray first = x.get(":, 0, :");
            pooled = linear(first, params, p + "pooler.dense").tanh();
        }
        return new Output(x, pooled);
    }

    /**
     * One post-LN layer. The residual stream {@code x} and the LayerNorms stay in the master dtype (as under
     * autocast, where a bf16 product added to an fp32 residual gives fp32); the products and GELU run in the
     * compute dtype.
     */
    private NDArray layer(NDArray x, NDArray maskBias, NDArray scale, Function<String, NDArray> params,
            Linear linear, String l, int n, int seq) {
        int heads = config.numHeads();
        int d = config.headSize();
        NDArray in = castFor(x, params.apply(l + "attention.self.query.weight"));
        NDArray q = heads(linear.apply(in, l + "attention.self.query"), n, seq, heads, d);
        NDArray k = heads(linear.apply(in, l + "attention.self.key"), n, seq, heads, d);
        NDArray v = heads(linear.apply(in, l + "attention.self.value"), n, seq, heads, d);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(maskBias);
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(n, seq, (long) heads * d);
        NDArray attended = layerNorm(linear.apply(context, l + "attention.output.dense").add(x),
                params, l + "attention.output.LayerNorm");
        NDArray inner = JniUtils.gelu(pt(linear.apply(attended, l + "intermediate.dense")));
        return layerNorm(linear.apply(inner, l + "output.dense").add(attended), params, l + "output.LayerNorm");
    }

    /** A layer's linear module by name: plain, or with its LoRA adapter. */
    @FunctionalInterface
    private interface Linear {
        NDArray apply(NDArray x, String module);
    }

    /**
     * {@code x W^T + b}, plus {@code (x A^T) B^T · scaling} when {@code module} has a LoRA adapter: PEFT's
     * {@code result + lora_B(lora_A(x)) * scaling}, in that order.
     */
    private NDArray adapted(NDArray x, Function<String, NDArray> params, String module, NDArray scaling) {
        NDArray out = linear(x, params, module);
        if (lora == null || !lora.adapts(module)) {
            return out;
        }
        NDArray a = params.apply(LoraOptions.a(module));
        NDArray b = params.apply(LoraOptions.b(module));
        NDArray down = castFor(x, a).matMul(a.transpose());
        return out.add(castFor(down, b).matMul(b.transpose()).mul(scaling));
    }

    /** {@code x W^T + b}, with {@code x} first cast to the weight's dtype if it differs. */
    static NDArray linear(NDArray x, Function<String, NDArray> params, String name) {
        NDArray w = params.apply(name + ".weight");
        return JniUtils.linear(pt(castFor(x, w)), pt(w), pt(params.apply(name + ".bias")));
    }

    /**
     * {@code x} in {@code like}'s dtype, differentiably. DJL's {@code toType} runs under libtorch's no-grad
     * guard, which would cut the graph; a cumulative product over a new axis of size 1 with a result dtype is
     * the identity plus that cast, and autograd hands its gradient back widened to {@code x}'s dtype.
     */
    static NDArray castFor(NDArray x, NDArray like) {
        if (x.getDataType() == like.getDataType()) {
            return x;
        }
        return JniUtils.cumProd(pt(x.expandDims(-1)), -1, like.getDataType()).squeeze(-1);
    }

    private NDArray layerNorm(NDArray x, Function<String, NDArray> params, String name) {
        return JniUtils.layerNorm(pt(x), new Shape(config.hiddenSize()), pt(params.apply(name + ".weight")),
                pt(params.apply(name + ".bias")), config.layerNormEps());
    }

    private static NDArray embedding(NDArray ids, NDArray table) {
        return JniUtils.embedding(pt(ids), pt(table), false);
    }

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    /**
     * A 0-d tensor whose memory libtorch owns. DJL's {@code array.mul(Number)} wraps the number in a tensor over
     * a Java direct buffer and closes it right after the op; autograd keeps that tensor for the backward pass,
     * so a garbage collection between forward and backward freed the number under it (measured: wrong or
     * non-finite gradients in about half the steps when the JVM collected during every step). In recorded
     * code, scalars must come from here.
     */
    static NDArray torchOwnedScalar(NDManager manager, double value, DataType dtype) {
        try (NDArray javaBacked = manager.create(value); NDArray cast = javaBacked.toType(dtype, false)) {
            return JniUtils.clone(pt(cast)); // toType returns an alias when the dtype already matches
        }
    }

    private static NDArray heads(NDArray t, int n, int seq, int heads, int d) {
        return t.reshape(n, seq, heads, d).transpose(0, 2, 1, 3);
    }

    /** What HF adds at masked keys: {@code torch.finfo(dtype).min}. */
    static double lowest(DataType dtype) {
        return switch (dtype) {
            case FLOAT32 -> -Float.MAX_VALUE;
            case FLOAT64 -> -Double.MAX_VALUE;
            case BFLOAT16 -> -Float.intBitsToFloat(0x7f7f0000); // bf16's largest finite value
            default -> throw new IllegalArgumentException("BERT computes in fp32, bf16 or fp64, not " + dtype);
        };
    }

    /** Last hidden state [n, seq, hidden]; pooled [n, hidden] or null without a pooler. */
    public record Output(NDArray hidden, NDArray pooled) {
    }
}

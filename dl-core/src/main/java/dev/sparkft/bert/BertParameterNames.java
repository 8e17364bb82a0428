package dev.sparkft.bert;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.ParameterLayout;

/**
 * The flat-vector layout of a BERT classifier, in a fixed order of Hugging Face names as a full
 * {@code BertFor*Classification} checkpoint spells them ({@code bert.} + encoder key, {@code classifier.*}).
 * Linear weights keep PyTorch's [out, in] layout. Weight decay applies to matrices and embedding tables,
 * never to biases or LayerNorm parameters.
 */
public final class BertParameterNames {
    /** Prefix of encoder parameters in a full checkpoint; a bare {@code BertModel} checkpoint lacks it. */
    public static final String ENCODER_PREFIX = "bert.";

    private BertParameterNames() {
    }

    public static ParameterLayout layout(BertConfig c, BertHead head) {
        long h = c.hiddenSize();
        ParameterLayout.Builder b = ParameterLayout.builder();
        String e = ENCODER_PREFIX + "embeddings.";
        b.add(e + "word_embeddings.weight", new long[] {c.vocabSize(), h}, true);
        b.add(e + "position_embeddings.weight", new long[] {c.maxPositions(), h}, true);
        b.add(e + "token_type_embeddings.weight", new long[] {c.typeVocabSize(), h}, true);
        layerNorm(b, e + "LayerNorm", h);
        for (int i = 0; i < c.numLayers(); i++) {
            String l = layer(i);
            linear(b, l + "attention.self.query", h, h);
            linear(b, l + "attention.self.key", h, h);
            linear(b, l + "attention.self.value", h, h);
            linear(b, l + "attention.output.dense", h, h);
            layerNorm(b, l + "attention.output.LayerNorm", h);
            linear(b, l + "intermediate.dense", c.intermediateSize(), h);
            linear(b, l + "output.dense", h, c.intermediateSize());
            layerNorm(b, l + "output.LayerNorm", h);
        }
        if (head.usesPooler()) {
            linear(b, ENCODER_PREFIX + "pooler.dense", h, h);
        }
        linear(b, "classifier", head.numLabels(), h);
        return b.build();
    }

    /** Name prefix of encoder layer {@code i}, ending in a dot. */
    public static String layer(int i) {
        return ENCODER_PREFIX + "encoder.layer." + i + ".";
    }

    private static void linear(ParameterLayout.Builder b, String name, long out, long in) {
        b.add(name + ".weight", new long[] {out, in}, true);
        b.add(name + ".bias", new long[] {out}, false);
    }

    private static void layerNorm(ParameterLayout.Builder b, String name, long h) {
        b.add(name + ".weight", new long[] {h}, false);
        b.add(name + ".bias", new long[] {h}, false);
    }
}

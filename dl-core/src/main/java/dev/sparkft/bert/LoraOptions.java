package dev.sparkft.bert;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoRA (Hu et al. 2021) on a BERT encoder's linear layers, as Hugging Face PEFT computes it: a target layer
 * {@code W x + b} becomes {@code W x + b + (alpha / rank) · B (A x)} with {@code A} [rank, in] and {@code B}
 * [out, rank]; W and b stay frozen. Only the adapters and the classifier head are trained, so they alone make up
 * the flat vector (what is broadcast, summed and stepped); the encoder's weights are the model's frozen
 * parameters, loaded into each executor model once ({@link dev.sparkft.model.FrozenParameters}).
 *
 * <p>Targets name the module inside each encoder layer, as transformers spells it: {@code query}, {@code key},
 * {@code value} (self-attention), {@code attention.output.dense}, {@code intermediate.dense} and
 * {@code output.dense} (the feed-forward output; unlike PEFT's suffix match it never means the attention output).
 * No dropout on the adapter input: the engine trains deterministically (PEFT's default is dropout 0 as well).
 *
 * @param rank    r, the adapters' inner size
 * @param alpha   lora_alpha; the update is scaled by alpha / rank
 * @param targets module names, in the encoder layer's order
 */
public record LoraOptions(int rank, double alpha, List<String> targets) implements Serializable {
    /** The modules a target may name, in the order they appear in a layer (the flat vector's order). */
    public static final List<String> MODULES = List.of("attention.self.query", "attention.self.key",
            "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense");
    /** What users write for the three attention projections. */
    private static final Map<String, String> SHORT = Map.of("query", "attention.self.query",
            "key", "attention.self.key", "value", "attention.self.value");

    public LoraOptions {
        if (rank < 1) {
            throw new IllegalArgumentException("option 'model.options.lora.rank' must be at least 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("option 'model.options.lora.alpha' must be a positive number, got "
                    + alpha);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("option 'model.options.lora.targets' names no module; use some of"
                    + " [query, key, value, attention.output.dense, intermediate.dense, output.dense]");
        }
        List<String> canonical = new ArrayList<>();
        for (String t : targets) {
            String m = SHORT.getOrDefault(t, t);
            if (!MODULES.contains(m)) {
                throw new IllegalArgumentException("option 'model.options.lora.targets' has '" + t + "', which is no"
                        + " module of a BERT layer; use some of [query, key, value, attention.output.dense,"
                        + " intermediate.dense, output.dense]");
            }
            if (canonical.contains(m)) {
                throw new IllegalArgumentException("option 'model.options.lora.targets' names '" + t + "' twice");
            }
            canonical.add(m);
        }
        targets = MODULES.stream().filter(canonical::contains).toList();
    }

    /** PEFT's defaults for BERT: rank 8, alpha 8, query and value. */
    public static LoraOptions defaults() {
        return new LoraOptions(8, 8, List.of("query", "value"));
    }

    /** The factor on the adapters' product. */
    public double scaling() {
        return alpha / rank;
    }

    /** True when the linear layer named {@code module} (a full name without {@code .weight}) has an adapter. */
    public boolean adapts(String module) {
        String layers = BertParameterNames.ENCODER_PREFIX + "encoder.layer.";
        if (!module.startsWith(layers)) {
            return false;
        }
        int dot = module.indexOf('.', layers.length()); // after the layer index
        return dot > 0 && targets.contains(module.substring(dot + 1));
    }

    /** Name of the adapter matrix {@code A} of {@code module}, as PEFT's saved keys spell it without its prefix. */
    public static String a(String module) {
        return module + ".lora_A.weight";
    }

    /** Name of the adapter matrix {@code B} of {@code module}. */
    public static String b(String module) {
        return module + ".lora_B.weight";
    }

    /** The full names of the adapted modules, layer by layer, in the flat vector's order. */
    public List<String> modules(BertConfig c) {
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            for (String t : targets) {
                modules.add(BertParameterNames.layer(i) + t);
            }
        }
        return modules;
    }

    /**
     * The trainable layout: A and B of every adapted module (weight decay applies, as HF's Trainer decays every
     * matrix), then the classifier head.
     */
    public ParameterLayout layout(BertConfig c, BertHead head) {
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (String module : modules(c)) {
            long[] shape = shapeOf(c, module);
            b.add(a(module), new long[] {rank, shape[1]}, true);
            b.add(b(module), new long[] {shape[0], rank}, true);
        }
        b.add("classifier.weight", new long[] {head.numLabels(), c.hiddenSize()}, true);
        b.add("classifier.bias", new long[] {head.numLabels()}, false);
        return b.build();
    }

    /**
     * PEFT's initial adapters, seeded: A from kaiming-uniform with a = √5 (uniform in ±1/√in), B zero, so that
     * the adapted model starts as the base model. One stream per tensor, seeded by (seed, name).
     */
    public static Tensor initial(String name, long[] shape, long seed) {
        float[] data = new float[Math.toIntExact(shape[0] * shape[1])];
        if (name.endsWith(".lora_A.weight")) {
            double bound = 1 / Math.sqrt(shape[1]);
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) random.nextDouble(-bound, bound);
            }
        }
        return Tensor.ofFloats(data, shape);
    }

    /** [out, in] of the linear layer {@code module} of the encoder. */
    private static long[] shapeOf(BertConfig c, String module) {
        long h = c.hiddenSize();
        if (module.endsWith(".intermediate.dense")) {
            return new long[] {c.intermediateSize(), h};
        }
        if (module.endsWith(".output.dense") && !module.endsWith("attention.output.dense")) {
            return new long[] {h, c.intermediateSize()};
        }
        return new long[] {h, h};
    }
}

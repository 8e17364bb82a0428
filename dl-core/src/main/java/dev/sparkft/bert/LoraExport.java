package dev.sparkft.bert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparkft.hf.HuggingFaceFolder;
import dev.sparkft.hf.SafeTensors;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA model's two export forms: the adapters as a Hugging Face PEFT folder ({@code adapter_config.json},
 * {@code adapter_model.safetensors} under PEFT's key names, loaded with {@code PeftModel.from_pretrained} on the
 * base model), and the whole model with every adapter merged into its weight ({@code W + (alpha/r) · B A}, what
 * PEFT's {@code merge_and_unload} computes), which loads as a plain transformers model. Engine-neutral, driver side.
 */
public final class LoraExport {
    /** The adapter folder's name inside an export folder. */
    public static final String ADAPTER_FOLDER = "adapter";
    /** PEFT's prefix of every saved key: the PeftModel's base_model (LoraModel) and its wrapped model. */
    static final String PEFT_PREFIX = "base_model.model.";
    /** The Hugging Face Hub name of the model bundled as {@link BertWeightsSource#BUNDLED_MINILM}. */
    static final String BUNDLED_MINILM_HUB = "sentence-transformers/all-MiniLM-L6-v2";

    private LoraExport() {
    }

    /**
     * The full model's flat vector ({@link BertParameterNames#layout}): the frozen encoder weights with each
     * adapter merged in (summed in double, rounded once), and the trained head.
     */
    public static float[] merged(BertModelOptions options, float[] frozen, float[] flat) {
        LoraOptions lora = requireLora(options);
        ParameterLayout full = BertParameterNames.layout(options.config(), options.head());
        ParameterLayout frozenLayout = options.frozenLayout();
        ParameterLayout layout = options.layout();
        requireLength("frozen", frozen, frozenLayout);
        requireLength("trained", flat, layout);
        float[] out = new float[full.size()];
        for (ParameterSegment s : full.segments()) {
            boolean head = s.name().startsWith("classifier.");
            ParameterSegment from = head ? layout.segment(s.name()) : frozenLayout.segment(s.name());
            System.arraycopy(head ? flat : frozen, (int) from.offset(), out, (int) s.offset(), (int) s.length());
            String module = s.name().substring(0, s.name().length() - ".weight".length());
            if (s.name().endsWith(".weight") && lora.adapts(module)) {
                addProduct(out, s, flat, layout.segment(LoraOptions.b(module)), layout.segment(LoraOptions.a(module)),
                        lora.scaling());
            }
        }
        return out;
    }

    /** {@code w += scaling · B A}, with B [out, r] and A [r, in] read from {@code flat}. */
    private static void addProduct(float[] w, ParameterSegment ws, float[] flat, ParameterSegment b,
            ParameterSegment a, double scaling) {
        int rows = (int) ws.shape()[0];
        int cols = (int) ws.shape()[1];
        int rank = (int) a.shape()[0];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double sum = 0;
                for (int k = 0; k < rank; k++) {
                    sum += (double) flat[(int) b.offset() + i * rank + k] * flat[(int) a.offset() + k * cols + j];
                }
                int at = (int) ws.offset() + i * cols + j;
                w[at] = (float) (w[at] + scaling * sum);
            }
        }
    }

    /**
     * Writes the adapters and the head as a PEFT folder {@code target} (which must not exist), through a temporary
     * sibling renamed at the end.
     *
     * @param baseModel what {@code base_model_name_or_path} names: the weights the run started from
     */
    public static void writeAdapter(BertModelOptions options, float[] flat, String baseModel, Path target)
            throws IOException {
        LoraOptions lora = requireLora(options);
        ParameterLayout layout = options.layout();
        requireLength("trained", flat, layout);
        HuggingFaceFolder.writeNew(target, "adapter target", folder -> {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (ParameterSegment s : layout.segments()) {
                tensors.put(PEFT_PREFIX + s.name(), Tensor.ofFloats(
                        Arrays.copyOfRange(flat, (int) s.offset(), (int) s.end()), s.shape()));
            }
            SafeTensors.write(folder.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"),
                    SafeTensors.Dtype.F32);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(folder.resolve("adapter_config.json").toFile(), config(options, lora, baseModel));
        });
    }

    /**
     * PEFT's LoraConfig as JSON. Target modules are listed by full name, which PEFT matches exactly (a short
     * name like {@code output.dense} would also match every {@code attention.output.dense} by suffix).
     */
    private static Map<String, Object> config(BertModelOptions options, LoraOptions lora, String baseModel) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("peft_type", "LORA");
        c.put("task_type", options.head().task() == BertTask.TOKEN_CLASSIFICATION ? "TOKEN_CLS" : "SEQ_CLS");
        c.put("base_model_name_or_path", BertWeightsSource.BUNDLED_MINILM.equals(baseModel) ? BUNDLED_MINILM_HUB
                : baseModel);
        c.put("r", lora.rank());
        c.put("lora_alpha", lora.alpha() == Math.rint(lora.alpha()) ? (Object) (long) lora.alpha() : lora.alpha());
        c.put("lora_dropout", 0.0);
        c.put("target_modules", lora.modules(options.config()));
        c.put("modules_to_save", List.of("classifier"));
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("init_lora_weights", true);
        c.put("use_rslora", false);
        c.put("use_dora", false);
        c.put("inference_mode", true);
        return c;
    }

    private static LoraOptions requireLora(BertModelOptions options) {
        if (options.lora() == null) {
            throw new IllegalArgumentException("the model has no LoRA adapters (option model.options.lora)");
        }
        return options.lora();
    }

    private static void requireLength(String what, float[] values, ParameterLayout layout) {
        if (values.length != layout.size()) {
            throw new IllegalArgumentException(what + " vector has " + values.length + " values, its layout needs "
                    + layout.size());
        }
    }
}

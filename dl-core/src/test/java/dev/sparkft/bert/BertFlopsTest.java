package dev.sparkft.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.testing.PythonReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BertFlops} against PyTorch's own count (FlopCounterMode on Hugging Face's BERT classifiers of the same
 * shapes: scripts/reference/bert_flops.py), forward and training (one forward and one backward pass), exactly:
 * full fine-tuning (3 × forward), token classification, and LoRA on two and on all six modules.
 */
class BertFlopsTest {
    @TempDir
    Path dir;

    private record Case(int hidden, int layers, int heads, int intermediate, int labels, BertTask task, int seq,
            LoraOptions lora) {
        BertModelOptions model() {
            BertConfig config = new BertConfig(100, hidden, layers, heads, intermediate, Math.max(64, seq), 2, 1e-12,
                    "gelu");
            return new BertModelOptions(config, new BertHead(task, labels, Pooling.CLS), 1, List.of(), Precision.FP32,
                    lora);
        }
    }

    @Test
    void matchesPyTorchsFlopCounter() throws Exception {
        Path python = PythonReference.require(BertFlopsTest.class);
        List<Case> cases = List.of(
                new Case(32, 2, 4, 64, 3, BertTask.SEQUENCE_CLASSIFICATION, 16, null),
                new Case(32, 2, 4, 64, 5, BertTask.TOKEN_CLASSIFICATION, 16, null),
                // all-MiniLM-L6-v2's shapes at the README fine-tune's 128 tokens, fully and with LoRA on query/value
                new Case(384, 6, 12, 1536, 2, BertTask.SEQUENCE_CLASSIFICATION, 128, null),
                new Case(384, 6, 12, 1536, 2, BertTask.SEQUENCE_CLASSIFICATION, 128,
                        new LoraOptions(8, 8, List.of("query", "value"))),
                new Case(32, 2, 4, 64, 3, BertTask.SEQUENCE_CLASSIFICATION, 16,
                        new LoraOptions(4, 8, List.of("query", "key", "value", "attention.output.dense",
                                "intermediate.dense", "output.dense"))));
        ObjectMapper json = new ObjectMapper();
        ArrayNode in = json.createArrayNode();
        for (Case c : cases) {
            var n = in.addObject().put("hidden", c.hidden()).put("layers", c.layers()).put("heads", c.heads())
                    .put("intermediate", c.intermediate()).put("labels", c.labels())
                    .put("task", c.task() == BertTask.TOKEN_CLASSIFICATION ? "token" : "sequence").put("seq", c.seq());
            if (c.lora() == null) {
                n.putNull("lora");
            } else {
                var lora = n.putObject("lora").put("rank", c.lora().rank());
                // PEFT names the modules by their last parts within a layer, as transformers does.
                c.lora().targets().forEach(t -> lora.withArray("targets").add(t));
            }
        }
        JsonNode ref = PythonReference.runJson(python, Duration.ofSeconds(300), "bert_flops.py", dir, in);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            double forward = ref.get(i).get("forward").asDouble();
            double training = ref.get(i).get("training").asDouble();
            assertEquals(forward, BertFlops.forward(c.model(), c.seq()), 0, c + " forward");
            assertEquals(training, BertFlops.training(c.model(), c.seq()), 0, c + " training");
        }
    }
}

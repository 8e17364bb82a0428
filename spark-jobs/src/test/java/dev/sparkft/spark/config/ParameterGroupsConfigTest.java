package dev.sparkft.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.bert.BertHead;
import dev.sparkft.bert.BertParameterNames;
import dev.sparkft.bert.BertTask;
import dev.sparkft.bert.Pooling;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.optim.ParameterGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code optimizer.parameterGroups}: read, defaulted, round-tripped, and every bad entry named. */
class ParameterGroupsConfigTest {
    private static final String BASE = String.join("\n",
            "data: {train: /data/train.parquet}",
            "model: {engine: dl4j}",
            "training: {globalBatch: 32, steps: 100}",
            "optimizer:",
            "  type: adamw",
            "  learningRate: 0.001",
            "  parameterGroups:",
            "");

    private static TrainConfig parse(String groups) {
        return ConfigLoader.parse(BASE + groups, false, List.of());
    }

    private static String fails(String groups) {
        return assertThrows(IllegalArgumentException.class, () -> parse(groups)).getMessage();
    }

    @Test
    void groupsAreReadWithTheirDefaults() {
        TrainConfig c = parse(String.join("\n",
                "    - {name: backbone, parameters: \"^(?!fc\\\\.).*\", learningRate: 1e-4, frozenSteps: 100}",
                "    - name: head",
                "      parameters: ^fc\\.",
                ""));
        assertEquals(List.of(new ParameterGroup("backbone", "^(?!fc\\.).*", 1e-4, 100),
                new ParameterGroup("head", "^fc\\.", 0.001, 0)), c.optimizer().parameterGroups());
        assertEquals(List.of(), ConfigLoader.parse(BASE.replace("  parameterGroups:\n", ""), false, List.of())
                .optimizer().parameterGroups());
    }

    @Test
    void canonicalTreeKeepsTheGroups(@TempDir Path dir) throws Exception {
        TrainConfig c = parse("    - {name: backbone, parameters: \"^encoder\\\\.\", learningRate: 2e-5, frozenSteps: 3}\n");
        Path json = dir.resolve("run.json");
        Files.writeString(json, ConfigLoader.toTree(c).toPrettyString());
        assertEquals(c, ConfigLoader.load(json, List.of()));
        assertTrue(ConfigLoader.toTree(c).path("optimizer").has("parameterGroups"));
        // Without groups the key is left out: checkpoints written before groups existed still compare equal.
        TrainConfig none = ConfigLoader.parse(BASE.replace("  parameterGroups:\n", ""), false, List.of());
        assertTrue(!ConfigLoader.toTree(none).path("optimizer").has("parameterGroups"));
    }

    /** The two examples of spark-jobs/README.md, read from it, select what the text says on real name layouts. */
    @Test
    void theReadmeExamplesSelectWhatTheySay() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("### Parameter groups"), readme.indexOf("## The jobs after"));
        List<String> blocks = new java.util.ArrayList<>();
        for (int at = section.indexOf("```yaml\n"); at >= 0; at = section.indexOf("```yaml\n", at + 1)) {
            blocks.add(section.substring(at + 8, section.indexOf("```", at + 8)));
        }
        assertEquals(2, blocks.size(), "expected the CNN and the BERT example");
        String rest = "data: {train: /t}\nmodel: {engine: dl4j}\ntraining: {globalBatch: 8, steps: 2000}\n";

        ParameterLayout resnet = ParameterLayout.builder().add("conv1.weight", new long[] {4, 3, 3, 3}, true)
                .add("bn1.weight", new long[] {4}, false).add("bn1.bias", new long[] {4}, false)
                .add("layer1.0.conv1.weight", new long[] {4, 4, 3, 3}, true)
                .add("layer4.1.bn2.bias", new long[] {4}, false)
                .add("fc.weight", new long[] {10, 4}, true).add("fc.bias", new long[] {10}, false).build();
        TrainConfig cnn = ConfigLoader.parse(rest + blocks.get(0), false, List.of());
        assertEquals(List.of("parameters in no group: 2 tensors, 50 trainable parameters, learning rate 0.001",
                "parameter group 'backbone': 5 tensors, 264 trainable parameters, learning rate 1.0E-4,"
                        + " frozen for the first 200 steps"), Optimizers.describeGroups(cnn.optimizer(), resnet));

        ParameterLayout bert = BertParameterNames.layout(new BertConfig(100, 8, 6, 2, 16, 16, 2, 1e-12, "gelu"),
                new BertHead(BertTask.SEQUENCE_CLASSIFICATION, 2, Pooling.CLS));
        TrainConfig text = ConfigLoader.parse(rest + blocks.get(1), false, List.of());
        List<String> lines = Optimizers.describeGroups(text.optimizer(), bert);
        // Embeddings (3 tables + LayerNorm) and layers 0-2 (16 tensors each); the classifier's weight and bias.
        assertTrue(lines.get(1).startsWith("parameter group 'lower': 53 tensors,"), lines.toString());
        assertTrue(lines.get(2).startsWith("parameter group 'head': 2 tensors,"), lines.toString());
    }

    @Test
    void badEntriesAreNamed() {
        assertEquals("unknown key 'optimizer.parameterGroups[0].lr'; known keys in 'optimizer.parameterGroups[0]':"
                + " [name, parameters, learningRate, frozenSteps]",
                fails("    - {name: b, parameters: x, lr: 0.1}\n"));
        assertEquals("missing required key 'optimizer.parameterGroups[1].name'",
                fails("    - {name: a, parameters: x}\n    - {parameters: y}\n"));
        assertEquals("missing required key 'optimizer.parameterGroups[0].parameters'", fails("    - {name: a}\n"));
        assertTrue(fails("    - {name: b, parameters: \"fc(\"}\n").startsWith(
                "optimizer.parameterGroups[b].parameters \"fc(\" is not a valid regular expression: Unclosed group"));
        assertEquals("optimizer.parameterGroups[b].learningRate must be > 0, got -0.1",
                fails("    - {name: b, parameters: x, learningRate: -0.1}\n"));
        assertEquals("optimizer.parameterGroups[b].learningRate must be a finite number, got Infinity",
                fails("    - {name: b, parameters: x, learningRate: .inf}\n"));
        assertEquals("optimizer.parameterGroups[b].frozenSteps must be >= 0, got -5",
                fails("    - {name: b, parameters: x, frozenSteps: -5}\n"));
        assertEquals("key 'optimizer.parameterGroups[0].frozenSteps' must be an integer, got 1.5",
                fails("    - {name: b, parameters: x, frozenSteps: 1.5}\n"));
        assertEquals("key 'optimizer.parameterGroups' must be a list of sections, got \"x\"", fails("    x\n"));
        assertEquals("key 'optimizer.parameterGroups[0]' must be a section (key: value pairs), got \"x\"",
                fails("    - x\n"));
        assertEquals("optimizer.parameterGroups: two groups are named 'a'; give each group its own name",
                fails("    - {name: a, parameters: x}\n    - {name: a, parameters: y}\n"));
    }
}

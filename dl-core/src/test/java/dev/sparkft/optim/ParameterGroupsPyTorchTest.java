package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.testing.ChildProcess;
import dev.sparkft.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parameter groups against PyTorch 2.13 (scripts/reference/optimizer_groups.py): torch.optim.AdamW, Adam and
 * SGD with and without (Nesterov) momentum over torch param groups with their own learning rates, a LambdaLR warmup + linear decay,
 * a backbone with {@code requires_grad=False} for its first steps, a tensor frozen throughout, tensors in no
 * group, and clip_grad_norm_ that clips on most steps, on the same fixed gradients. Parameters, moments and the
 * reported gradient norms must agree within 1e-6 (relative) after 12 steps.
 */
class ParameterGroupsPyTorchTest {
    /** Backbone (incl. a frozen stem), head, and a tensor in no group, with decayed and undecayed tensors. */
    static final ParameterLayout LAYOUT = ParameterLayout.builder()
            .add("stem.weight", new long[] {5}, true)
            .add("layer1.0.conv1.weight", new long[] {4, 3, 2}, true)
            .add("layer1.0.bn1.weight", new long[] {4}, false)
            .add("layer1.0.bn1.bias", new long[] {4}, false)
            .add("aux.weight", new long[] {2, 3}, true)
            .add("fc.weight", new long[] {3, 6}, true)
            .add("fc.bias", new long[] {3}, false)
            .build()
            .freeze(name -> name.startsWith("stem."));
    static final int FROZEN_STEPS = 4;
    static final List<ParameterGroup> GROUPS = List.of(
            new ParameterGroup("backbone", "^(?!fc\\.|aux\\.)", 2e-3, FROZEN_STEPS),
            new ParameterGroup("head", "^fc\\.", 1e-2, 0));
    private static final int STEPS = 12;
    private static final double MAX_NORM = 3.0;

    @TempDir
    Path dir;

    static OptimizerConfig config(String type) {
        return new OptimizerConfig(type, 5e-3, 0.9, 0.9, 0.999, 1e-8, type.equals("adamw") ? 0.1 : 0.0,
                new ScheduleConfig("linear", 2, 14, 0.0), GROUPS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"adamw", "adam", "momentum", "nesterov", "sgd"})
    void matchesTorchParamGroups(String type) throws Exception {
        Path python = PythonReference.require(ParameterGroupsPyTorchTest.class);
        OptimizerConfig config = config(type);
        Random random = new Random(3);
        int n = LAYOUT.size();
        float[] start = gaussians(random, n, 1f);
        List<float[]> gradients = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            gradients.add(gaussians(random, n, 0.5f));
        }

        FlatParameters params = new FlatParameters(start, Optimizers.create(config, LAYOUT));
        double[] norms = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            norms[s] = params.step(gradients.get(s), MAX_NORM);
        }

        ObjectMapper json = new ObjectMapper();
        Path in = dir.resolve("case.json");
        Path out = dir.resolve("out.json");
        json.writeValue(in.toFile(), caseJson(json, config, start, gradients));
        ChildProcess.Result r = PythonReference.run(python, Duration.ofSeconds(120), "optimizer_groups.py",
                in.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.tail());
        JsonNode ref = json.readTree(out.toFile());

        float[] actual = params.toArray();
        double maxParam = 0;
        double backboneMove = 0;
        ParameterSegment conv = LAYOUT.segment("layer1.0.conv1.weight");
        for (int i = 0; i < n; i++) {
            double expected = ref.get("params").get(i).doubleValue();
            maxParam = Math.max(maxParam, Math.abs(actual[i] - expected) / Math.max(1, Math.abs(expected)));
            if (i >= conv.offset() && i < conv.end()) {
                backboneMove = Math.max(backboneMove, Math.abs(expected - start[i]));
            }
        }
        double maxBuffer = 0;
        Map<String, float[]> buffers = params.optimizer().state().buffers();
        assertEquals(List.copyOf(buffers.keySet()), fieldNames(ref.get("buffers")));
        for (Map.Entry<String, float[]> b : buffers.entrySet()) {
            JsonNode expected = ref.get("buffers").get(b.getKey());
            double scale = 0;
            for (JsonNode v : expected) {
                scale = Math.max(scale, Math.abs(v.doubleValue()));
            }
            for (int i = 0; i < n; i++) {
                maxBuffer = Math.max(maxBuffer, Math.abs(b.getValue()[i] - expected.get(i).doubleValue()) / scale);
            }
        }
        double maxNorm = 0;
        int clipped = 0;
        for (int s = 0; s < STEPS; s++) {
            double expected = ref.get("norms").get(s).doubleValue();
            maxNorm = Math.max(maxNorm, Math.abs(norms[s] - expected) / expected);
            clipped += expected > MAX_NORM ? 1 : 0;
        }
        System.out.printf("parameter groups vs PyTorch (%s, %d steps): max relative difference parameters %.3g,"
                + " state buffers %.3g (of each buffer's largest value), gradient norms %.3g; %d of %d steps clipped%n",
                type, STEPS, maxParam, maxBuffer, maxNorm, clipped, STEPS);
        assertTrue(backboneMove > 1e-3, "the backbone did not train after its frozen steps: " + backboneMove);
        assertTrue(clipped >= STEPS / 2, "clipping acted on only " + clipped + " steps; the case tests too little");
        assertTrue(maxParam <= 1e-6, type + " parameters differ from PyTorch by " + maxParam);
        assertTrue(maxBuffer <= 1e-6, type + " optimizer state differs from PyTorch by " + maxBuffer);
        assertTrue(maxNorm <= 1e-6, type + " gradient norms differ from PyTorch by " + maxNorm);
    }

    private static ObjectNode caseJson(ObjectMapper json, OptimizerConfig c, float[] start, List<float[]> gradients) {
        ObjectNode root = json.createObjectNode();
        root.put("type", c.type()).put("learningRate", c.learningRate()).put("momentum", c.momentum())
                .put("beta1", c.beta1()).put("beta2", c.beta2()).put("epsilon", c.epsilon())
                .put("weightDecay", c.weightDecay()).put("warmupSteps", c.schedule().warmupSteps())
                .put("totalSteps", c.schedule().totalSteps()).put("maxGradNorm", MAX_NORM);
        ArrayNode segments = root.putArray("segments");
        for (ParameterSegment s : LAYOUT.segments()) {
            ObjectNode seg = segments.addObject().put("name", s.name()).put("decay", s.decay())
                    .put("trainable", s.trainable());
            ArrayNode shape = seg.putArray("shape");
            for (long d : s.shape()) {
                shape.add(d);
            }
            ArrayNode values = seg.putArray("values");
            for (long i = s.offset(); i < s.end(); i++) {
                values.add((double) start[(int) i]);
            }
        }
        ArrayNode groups = root.putArray("groups");
        for (ParameterGroup g : c.parameterGroups()) {
            groups.addObject().put("name", g.name()).put("parameters", g.parameters())
                    .put("learningRate", g.learningRate()).put("frozenSteps", g.frozenSteps());
        }
        ArrayNode grads = root.putArray("gradients");
        for (float[] g : gradients) {
            ArrayNode step = grads.addArray();
            for (float v : g) {
                step.add((double) v);
            }
        }
        return root;
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static float[] gaussians(Random random, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * scale);
        }
        return a;
    }
}

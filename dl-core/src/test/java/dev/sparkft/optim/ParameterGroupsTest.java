package dev.sparkft.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parameter groups: freezing by steps, equivalence with no groups, resume, and the errors that name the group. */
class ParameterGroupsTest {
    private static final ParameterLayout LAYOUT = ParameterGroupsPyTorchTest.LAYOUT;
    private static final int N = LAYOUT.size();
    private static final int FROZEN = ParameterGroupsPyTorchTest.FROZEN_STEPS;

    private static float[][] gradients(int steps, long seed) {
        Random random = new Random(seed);
        float[][] g = new float[steps][];
        for (int s = 0; s < steps; s++) {
            g[s] = ParameterGroupsPyTorchTest.gaussians(random, N, 0.5f);
        }
        return g;
    }

    private static float[] slice(float[] flat, String segment) {
        ParameterSegment s = LAYOUT.segment(segment);
        return Arrays.copyOfRange(flat, (int) s.offset(), (int) s.end());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "nesterov", "adam", "adamw"})
    void aFrozenGroupAndItsStateStayUntouchedUntilItsStepThenTrain(String type) {
        float[] start = ParameterGroupsPyTorchTest.gaussians(new Random(1), N, 1f);
        FlatParameters p = new FlatParameters(start, Optimizers.create(ParameterGroupsPyTorchTest.config(type), LAYOUT));
        float[][] g = gradients(FROZEN + 2, 2);
        List<String> backbone = List.of("layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias");
        for (int s = 0; s < FROZEN; s++) {
            p.step(g[s], 0);
        }
        for (String name : backbone) {
            assertArrayEquals(slice(start, name), slice(p.toArray(), name), type + ": " + name + " moved while frozen");
            p.optimizer().state().buffers().forEach((buffer, values) -> assertArrayEquals(
                    new float[(int) LAYOUT.segment(name).length()], slice(values, name), type + " " + buffer + " of " + name));
        }
        // Steps 0 and 1 have lr 0 (warmup), so the head must have moved by now only through steps 2 and 3.
        assertNotEquals(Arrays.toString(slice(start, "fc.weight")), Arrays.toString(slice(p.toArray(), "fc.weight")));
        p.step(g[FROZEN], 0);
        p.step(g[FROZEN + 1], 0);
        for (String name : backbone) {
            assertNotEquals(Arrays.toString(slice(start, name)), Arrays.toString(slice(p.toArray(), name)),
                    type + ": " + name + " did not train after its frozen steps");
        }
        assertArrayEquals(slice(start, "stem.weight"), slice(p.toArray(), "stem.weight"),
                "a segment the layout freezes stays frozen whatever the groups say");
    }

    /** Splitting the runs at group boundaries must not change a single bit when the groups change nothing. */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "adamw"})
    void groupsAtTheBaseRateWithoutFreezingChangeNothing(String type) {
        OptimizerConfig plain = ParameterGroupsPyTorchTest.config(type).withParameterGroups(List.of());
        OptimizerConfig grouped = plain.withParameterGroups(List.of(
                new ParameterGroup("a", "^layer1\\.0\\.bn1\\.", plain.learningRate(), 0),
                new ParameterGroup("b", "^fc\\.weight$", plain.learningRate(), 0)));
        float[] start = ParameterGroupsPyTorchTest.gaussians(new Random(4), N, 1f);
        FlatParameters a = new FlatParameters(start, Optimizers.create(plain, LAYOUT));
        FlatParameters b = new FlatParameters(start, Optimizers.create(grouped, LAYOUT));
        for (float[] g : gradients(6, 5)) {
            assertEquals(a.step(g, 3.0), b.step(g, 3.0));
        }
        assertArrayEquals(a.toArray(), b.toArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"momentum", "adamw"})
    void restoredStateContinuesBitIdenticallyAcrossTheUnfreezing(String type) {
        OptimizerConfig config = ParameterGroupsPyTorchTest.config(type);
        float[] start = ParameterGroupsPyTorchTest.gaussians(new Random(6), N, 1f);
        float[][] g = gradients(10, 7);
        FlatParameters straight = new FlatParameters(start, Optimizers.create(config, LAYOUT));
        FlatParameters first = new FlatParameters(start, Optimizers.create(config, LAYOUT));
        for (int s = 0; s < 10; s++) {
            straight.step(g[s], 3.0);
            if (s < FROZEN - 1) {
                first.step(g[s], 3.0);
            }
        }
        Optimizer resumed = Optimizers.create(config, LAYOUT);
        resumed.restore(first.optimizer().state());
        FlatParameters second = new FlatParameters(first.toArray(), resumed);
        for (int s = FROZEN - 1; s < 10; s++) {
            second.step(g[s], 3.0);
        }
        assertArrayEquals(straight.toArray(), second.toArray());
        straight.optimizer().state().buffers().forEach((k, v) ->
                assertArrayEquals(v, second.optimizer().state().buffers().get(k), k));
    }

    @Test
    void aParameterInTwoGroupsOrAGroupMatchingNothingIsNamed() {
        OptimizerConfig base = ParameterGroupsPyTorchTest.config("adamw");
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> Optimizers.create(
                base.withParameterGroups(List.of(new ParameterGroup("backbone", "^layer1\\.", 1e-3, 0),
                        new ParameterGroup("norms", "bn1", 1e-3, 0))), LAYOUT));
        assertTrue(twice.getMessage().contains("'layer1.0.bn1.weight' is matched by both 'backbone' and 'norms'"),
                twice.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Optimizers.describeGroups(
                base.withParameterGroups(List.of(new ParameterGroup("head", "^classifier\\.", 1e-3, 0))), LAYOUT));
        assertTrue(none.getMessage().startsWith("optimizer.parameterGroups[head].parameters \"^classifier\\.\" matches"
                + " none of the model's 7 parameter names"), none.getMessage());
    }

    @Test
    void describesEachGroup() {
        List<String> lines = Optimizers.describeGroups(ParameterGroupsPyTorchTest.config("adamw"), LAYOUT);
        assertEquals(List.of(
                "parameters in no group: 1 tensors, 6 trainable parameters, learning rate 0.005",
                "parameter group 'backbone': 4 tensors, 32 trainable parameters (+5 frozen by the model),"
                        + " learning rate 0.002, frozen for the first 4 steps",
                "parameter group 'head': 2 tensors, 21 trainable parameters, learning rate 0.01"), lines);
    }

    @Test
    void batchStatisticsAreNotCalledFrozen() {
        // batch norm under batch statistics: running mean/var are statistic segments, updated every round
        ParameterLayout layout = new ParameterLayout(List.of(
                new ParameterSegment("features.0.1.weight", new long[] {4}, 0, false, true),
                new ParameterSegment("features.0.1.running_mean", new long[] {4}, 4, false, false, true),
                new ParameterSegment("features.0.1.running_var", new long[] {4}, 8, false, false, true),
                new ParameterSegment("features.0.0.weight", new long[] {3}, 12, true, false),
                new ParameterSegment("classifier.1.weight", new long[] {2}, 15, true, true)));
        OptimizerConfig config = ParameterGroupsPyTorchTest.config("adamw")
                .withParameterGroups(List.of(new ParameterGroup("backbone", "^features\\.", 1e-3, 0)));
        assertEquals("parameter group 'backbone': 4 tensors, 4 trainable parameters (+3 frozen by the model)"
                + " (+8 statistics updated from the data), learning rate 0.001",
                Optimizers.describeGroups(config, layout).get(1));
    }

    @Test
    void badGroupSettingsAreNamed() {
        assertEquals("optimizer.parameterGroups[b].parameters \"(fc\" is not a valid regular expression: Unclosed"
                + " group near index 3", assertThrows(IllegalArgumentException.class,
                () -> new ParameterGroup("b", "(fc", 1e-3, 0)).getMessage());
        assertEquals("optimizer.parameterGroups[b].learningRate must be > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new ParameterGroup("b", "x", 0, 0)).getMessage());
        assertEquals("optimizer.parameterGroups[b].learningRate must be a finite number, got NaN",
                assertThrows(IllegalArgumentException.class, () -> new ParameterGroup("b", "x", Double.NaN, 0)).getMessage());
        assertEquals("optimizer.parameterGroups[b].frozenSteps must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new ParameterGroup("b", "x", 1e-3, -1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ParameterGroup(" ", "x", 1e-3, 0));
        ParameterGroup g = new ParameterGroup("b", "x", 1e-3, 0);
        assertEquals("optimizer.parameterGroups: two groups are named 'b'; give each group its own name",
                assertThrows(IllegalArgumentException.class,
                        () -> OptimizerConfig.sgd(0.1).withParameterGroups(List.of(g, g))).getMessage());
    }
}

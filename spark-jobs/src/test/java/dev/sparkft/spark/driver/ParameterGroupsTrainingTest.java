package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameter groups through the Spark trainer (local mode, the test softmax engine: "weight" 3x5, then "bias" 3,
 * zeros at the start): the bias group, frozen for its first 4 steps at its own learning rate, does not move (nor
 * do its moments) before step 4 and trains after, in both training modes; a run resumed across the unfreezing
 * continues bit for bit; changed groups refuse to resume.
 */
class ParameterGroupsTrainingTest {
    private static final int WEIGHTS = TestRuns.DIMS * TestRuns.CLASSES;
    private static final int FROZEN = 4;
    private static final String GROUPS = "optimizer.parameterGroups=[{name: bias, parameters: ^bias$,"
            + " learningRate: 0.05, frozenSteps: " + FROZEN + "}]";
    private static final String[] ADAMW = {"optimizer.type=adamw", "optimizer.learningRate=0.1",
            "optimizer.weightDecay=0.01", "optimizer.schedule.type=linear", "optimizer.schedule.warmupSteps=2",
            "optimizer.schedule.totalSteps=20", "clipping.maxGradNorm=0.5", GROUPS};

    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 9, -1);
    }

    private static TrainConfig config(String name, String... more) {
        String[] all = Stream.concat(Stream.of(ADAMW), Stream.of(more)).toArray(String[]::new);
        return TestRuns.config(data.path(), dir.resolve(name), all);
    }

    private static float[] bias(float[] flat) {
        return Arrays.copyOfRange(flat, WEIGHTS, flat.length);
    }

    @Test
    void theFrozenGroupStaysUntilItsStepThenTrains() {
        for (String mode : new String[] {"sync", "averaging"}) {
            TrainingResult frozen = TestRuns.train(config("frozen-" + mode, "training.mode=" + mode,
                    "training.steps=" + FROZEN), false);
            assertArrayEquals(new float[TestRuns.CLASSES], bias(frozen.params()), mode + ": the bias moved while frozen");
            assertNotEquals(0f, frozen.params()[0], mode + ": the weights did not train");
            if (mode.equals("sync")) {
                frozen.optimizerState().buffers().forEach((k, v) -> assertArrayEquals(new float[TestRuns.CLASSES],
                        bias(v), k + " of the frozen bias"));
            }
            TrainingResult after = TestRuns.train(config("after-" + mode, "training.mode=" + mode,
                    "training.steps=" + (FROZEN + 2)), false);
            assertTrue(Arrays.stream(toDouble(bias(after.params()))).allMatch(b -> b != 0),
                    mode + ": the bias did not train after its frozen steps: " + Arrays.toString(bias(after.params())));
        }
    }

    @Test
    void aRunResumedAcrossTheUnfreezingContinuesBitForBit() {
        TrainingResult straight = TestRuns.train(config("straight", "training.steps=12"), false);
        TrainingResult first = TestRuns.train(config("halves", "training.steps=3"), false);
        assertEquals(3, first.endStep());
        TrainingResult second = TestRuns.train(config("halves", "training.steps=12"), true);
        assertEquals(3, second.startStep());
        assertArrayEquals(straight.params(), second.params());
        for (String buffer : straight.optimizerState().buffers().keySet()) {
            assertArrayEquals(straight.optimizerState().buffers().get(buffer),
                    second.optimizerState().buffers().get(buffer), buffer);
        }
        for (int i = 0; i < 9; i++) {
            assertEquals(straight.rounds().get(3 + i).gradNorm(), second.rounds().get(i).gradNorm(), "norm " + i);
        }

        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(
                config("halves", "training.steps=12", GROUPS.replace("frozenSteps: 4", "frozenSteps: 5")), true));
        assertTrue(changed.getMessage().contains(
                "'optimizer.parameterGroups[0].frozenSteps' was 4 in the checkpoint's run, now 5"), changed.getMessage());
        IllegalArgumentException dropped = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(
                config("halves", "training.steps=12", "optimizer.parameterGroups=[]"), true));
        assertTrue(dropped.getMessage().contains("'optimizer.parameterGroups'"), dropped.getMessage());
    }

    @Test
    void aGroupMatchingNoParameterFailsBeforeTraining() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(config(
                "typo", "optimizer.parameterGroups=[{name: head, parameters: ^fc\\., learningRate: 0.05}]"), false));
        assertTrue(e.getMessage().startsWith("optimizer.parameterGroups[head].parameters \"^fc\\.\" matches none of"
                + " the model's 2 parameter names (the first: [weight, bias])"), e.getMessage());
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}

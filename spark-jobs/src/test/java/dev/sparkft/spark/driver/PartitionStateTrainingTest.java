package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.LossSum;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.executor.DeltaCompression;
import dev.sparkft.spark.executor.PartialSum;
import dev.sparkft.spark.executor.PartitionState;
import dev.sparkft.spark.executor.WirePrecision;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State kept by partitions between rounds: averaging's inner AdamW (DiLoCo) and compression's error-feedback
 * residuals. One worker keeping its AdamW is single-process AdamW; compressed runs repeat bit for bit at 1, 2 and 4
 * partitions; a checkpoint carries every partition's state (10 + resume 10 = 20).
 */
class PartitionStateTrainingTest {
    private static final String[] ADAMW = {"optimizer.type=adamw", "optimizer.learningRate=0.05",
            "optimizer.weightDecay=0.01", "clipping.maxGradNorm=1.0"};
    private static final String[] DILOCO = {"training.mode=averaging", "training.averaging.localSteps=4",
            "training.averaging.outer.type=nesterov", "training.averaging.outer.learningRate=0.7",
            "training.averaging.outer.momentum=0.9"};
    private static final String[] INT8 = {"training.communication.compression.type=int8",
            "training.communication.compression.blockSize=8"};
    private static final String[] TOPK = {"training.communication.compression.type=topk",
            "training.communication.compression.fraction=0.25"};

    @TempDir
    static Path dir;
    static Blobs data;

    @BeforeAll
    static void writeData() {
        data = Blobs.write(TestSpark.session(), dir, 100, TestRuns.DIMS, TestRuns.CLASSES, 13, -1);
    }

    private static TrainConfig config(String name, String[]... groups) {
        String[] all = Stream.concat(Stream.of(ADAMW), Arrays.stream(groups).flatMap(Arrays::stream))
                .toArray(String[]::new);
        return TestRuns.config(data.path(), dir.resolve(name), all);
    }

    /**
     * With one partition, averaging with the outer optimizer at SGD 1 applies exactly the worker's own steps: if the
     * worker's AdamW kept its moments across rounds, that is AdamW on the whole batches, as synchronous training
     * does; restarting the moments every round would not be.
     */
    @Test
    void oneWorkerKeepingItsAdamWIsSynchronousAdamW() {
        String[] one = {"data.partitions=1"};
        String[] plainOuter = {"training.mode=averaging", "training.averaging.localSteps=4",
                "training.averaging.outer.type=sgd", "training.averaging.outer.learningRate=1"};
        TrainingResult sync = TestRuns.train(config("one-sync", one), false);
        TrainingResult averaging = TestRuns.train(config("one-avg", one, plainOuter), false);

        double diff = ReferenceTrainer.relativeDifference(averaging.params(), sync.params());
        System.out.printf("1 worker, averaging K=4 with kept AdamW vs synchronous AdamW: relative difference %.2e%n",
                diff);
        assertEquals(5, averaging.rounds().size());
        assertTrue(diff <= 1e-5, "relative difference " + diff);
    }

    @Test
    void compressedRunsRepeatBitForBitAtOneTwoAndFourPartitions() {
        List<String> lines = new ArrayList<>();
        for (String[][] setting : List.of(new String[][] {DILOCO, INT8}, new String[][] {DILOCO, TOPK},
                new String[][] {INT8})) {
            String what = String.join(" ", setting[setting.length - 1][0].replaceFirst(".*=", ""),
                    setting.length == 2 ? "averaging" : "sync");
            List<float[]> byPartitions = new ArrayList<>();
            for (int partitions : new int[] {1, 2, 4}) {
                String[] p = {"data.partitions=" + partitions};
                String name = what.replace(' ', '-') + "-" + partitions;
                String[][] withP = Stream.concat(Arrays.stream(setting), Stream.<String[]>of(p))
                        .toArray(String[][]::new);
                TrainingResult first = TestRuns.train(config(name + "-a", withP), false);
                TrainingResult second = TestRuns.train(config(name + "-b", withP), false);
                assertArrayEquals(first.params(), second.params(), what + ", " + partitions + " partitions: run to run");
                assertArrayEquals(first.losses(), second.losses(), what + ", " + partitions + " partitions: losses");
                double[] losses = first.losses();
                assertTrue(losses[losses.length - 1] < 0.7 * losses[0], what + ": the loss drops " + Arrays.toString(losses));
                for (RoundReport r : first.rounds()) {
                    assertTrue(r.residualNorm() > 0, what + ": a residual is kept");
                    assertTrue(r.compressionRatio() > 1.5, what + ": ratio " + r.compressionRatio());
                }
                byPartitions.add(first.params());
                lines.add(String.format("%s, %d partitions: final loss %.4f, ratio %.2f, residual norm %.3g", what,
                        partitions, losses[losses.length - 1], first.rounds().get(0).compressionRatio(),
                        first.rounds().get(first.rounds().size() - 1).residualNorm()));
            }
            // Across partition counts the partitions' vectors, and so what is compressed, differ.
            double d12 = ReferenceTrainer.relativeDifference(byPartitions.get(1), byPartitions.get(0));
            double d24 = ReferenceTrainer.relativeDifference(byPartitions.get(2), byPartitions.get(1));
            lines.add(String.format("%s: relative difference 1 vs 2 partitions %.2e, 2 vs 4 %.2e", what, d12, d24));
            assertTrue(d12 > 0 && d24 > 0, what + ": partition counts give other runs");
        }
        lines.forEach(System.out::println);
    }

    @Test
    void tenStepsPlusResumeEqualsTwentyWithInnerStatesAndResiduals() throws IOException {
        String[][] setting = {DILOCO, INT8, {"training.averaging.localSteps=2", "checkpoint.everySteps=4"}};
        TrainingResult straight = TestRuns.train(config("resume-straight", setting), false);
        TrainingResult first = TestRuns.train(config("resume-halves", Stream.concat(Arrays.stream(setting),
                Stream.<String[]>of(new String[] {"training.steps=10"})).toArray(String[][]::new)), false);
        assertEquals(10, first.endStep());

        CheckpointStore store = new CheckpointStore(dir.resolve("resume-halves/checkpoints").toString(),
                TestSpark.session().sparkContext().hadoopConfiguration(), 3);
        Checkpoint saved = store.latest().orElseThrow();
        assertEquals(10, saved.step());
        assertEquals(2, saved.partitions().size(), "one state per partition");
        for (PartitionState s : saved.partitions()) {
            assertEquals("adamw", s.innerOptimizer());
            assertEquals(List.of("inner.exp_avg", "inner.exp_avg_sq", "residual"), List.copyOf(s.arrays().keySet()));
            s.arrays().values().forEach(a -> assertEquals(straight.params().length, a.length));
            assertTrue(s.residualSquares() > 0, "a residual is saved");
        }

        TrainingResult second = TestRuns.train(config("resume-halves", setting), true);
        assertEquals(10, second.startStep());
        assertArrayEquals(straight.params(), second.params(), "10 + resume 10 = 20 straight");
        assertArrayEquals(Arrays.copyOfRange(straight.losses(), 5, 10), second.losses());

        // The partitions' states are a partition count's: another one is refused, naming the key.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestRuns.train(
                config("resume-halves", Stream.concat(Arrays.stream(setting), Stream.<String[]>of(
                        new String[] {"data.partitions=3", "training.steps=30"})).toArray(String[][]::new)), true));
        assertTrue(e.getMessage().contains("data.partitions: 2"), e.getMessage());
    }

    /** A compressed partition vector sums to the same bits in process and through the reduce-scatter. */
    @Test
    void compressedVectorsSumToTheSameBitsInProcessAndThroughTheReduceScatter() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        int length = 1000;
        for (DeltaCompression z : List.of(new DeltaCompression(DeltaCompression.Kind.INT8, 16, 0.01),
                new DeltaCompression(DeltaCompression.Kind.TOPK, 256, 0.1))) {
            float[] expected = new float[length];
            for (int p = 0; p < 3; p++) {
                float[] v = compressed(z, p, length).vector();
                for (int i = 0; i < length; i++) {
                    expected[i] = p == 0 ? v[i] : expected[i] + v[i];
                }
            }
            // 64-byte chunks: 16 values a slice, so many slices (each a whole number of int8 blocks).
            Communication communication = new Communication(WirePrecision.FP32, 64, z);
            for (boolean inProcess : new boolean[] {true, false}) {
                PartialSum sum = RoundRunner.sum(sc, 3, new float[length], communication,
                        parameters -> sc.parallelize(IntStream.range(0, 3).boxed().toList(), 3)
                                .map(p -> compressed(z, p, length)), inProcess);
                for (int i = 0; i < length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(sum.vector()[i]),
                            z.kind() + (inProcess ? " in process" : " reduce-scatter") + ", value " + i);
                }
                assertEquals(3, sum.contributors());
                assertFalse(sum.compressedBytes() == 0);
                sum.release();
            }
        }
    }

    private static PartialSum compressed(DeltaCompression z, int partition, int length) {
        Random r = new Random(partition);
        float[] v = new float[length];
        for (int i = 0; i < length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        DeltaCompression.Result result = z.compress(v, new float[length]);
        return new PartialSum(v, new LossSum(1, 1), 1, 0, -1).compressed(z, result);
    }
}

package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.RoundReport;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Synchronous training with the DJL BERT engine is the single-process loop, whatever the partition count: a
 * tiny random BERT on random padded token sequences ({@link TinyBertSlice}), 20 AdamW steps of a 16-example
 * global batch in micro-batches of 4, on 1, 2 and 4 partitions against a loop written here without Spark
 * (the whole global batch in one forward/backward). The partition sums add up in another order than one
 * forward over the batch, so the bar is a relative difference; the gradients themselves, computed on Spark
 * task threads with one libtorch thread (the surefire argLine's setting), are bit-identical to the driver's
 * whatever the partitioning.
 */
class DjlBertExactnessTest {
    private static final int STEPS = 20;
    private static final int ROWS = TinyBertSlice.ROWS;
    private static final int SEQ = TinyBertSlice.SEQ;

    @TempDir
    static Path dir;
    static String trainPath;
    static List<int[][]> rows;  // per row: input_ids, attention_mask, token_type_ids, {label}
    static float[] reference;

    @BeforeAll
    static void data() {
        rows = TinyBertSlice.rows(3);
        trainPath = dir.resolve("train").toString();
        TinyBertSlice.write(TestSpark.session(), rows, Path.of(trainPath));
        reference = SingleProcessLoop.train(config(1), ROWS, STEPS, members -> batch(rows, members));
    }

    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 2, 4})
    void syncEqualsSingleProcess(int partitions) {
        TrainingResult result = TestRuns.train(config(partitions), false);
        double diff = ReferenceTrainer.relativeDifference(result.params(), reference);
        System.out.printf("DJL BERT, %d partitions vs single process after %d steps: relative difference %.2e%n",
                partitions, STEPS, diff);
        assertTrue(diff <= 1e-5, partitions + " partitions: relative difference " + diff);
        assertTrue(result.losses()[STEPS - 1] < result.losses()[0] - 0.05, "the model trains: first loss "
                + result.losses()[0] + ", last " + result.losses()[STEPS - 1]);
    }

    /**
     * LoRA (rank 4 on query, value and the FFN's first layer) through the trainer on 2 partitions is the
     * single-process loop too; the flat vector that travels and is stepped holds only the adapters and the head;
     * and 10 steps, then --resume to 20, equal 20 straight, bit for bit (the base is re-read from the weights, the
     * adapters, head and AdamW state from the checkpoint).
     */
    @Test
    void loraTrainsOnlyAdaptersAndEqualsSingleProcess() {
        float[] single = SingleProcessLoop.train(loraConfig("lora-single", 1, STEPS), ROWS, STEPS,
                members -> batch(rows, members));
        TrainingResult straight = TestRuns.train(loraConfig("lora-straight", 2, STEPS), false);
        long full = ModelEngines.find("djl-pytorch").parameterCount(ModelEngines.resolve(config(1).model())
                .architecture());
        // 2 layers x 3 modules x (A 4x32 + B 32x4, or B 64x4 for the FFN) + head 2x32 + 2
        assertEquals(2 * (2 * (4 * 32 + 32 * 4) + (4 * 32 + 64 * 4)) + 2 * 32 + 2, straight.params().length);
        double diff = ReferenceTrainer.relativeDifference(straight.params(), single);
        System.out.printf("DJL BERT LoRA, 2 partitions vs single process after %d steps: relative difference %.2e;"
                + " %d trained values of %d%n", STEPS, diff, straight.params().length, full);
        assertTrue(diff <= 1e-5, "relative difference " + diff);
        // B starts at zero (PEFT's start: the adapted model is the base); training moves every B.
        ModelArchitecture lora = ModelEngines.resolve(loraConfig("lora-single", 1, STEPS).model()).architecture();
        for (ParameterSegment s : lora.details(BertModelOptions.class).layout().segments()) {
            if (s.name().endsWith("lora_B.weight")) {
                float[] b = Arrays.copyOfRange(straight.params(), (int) s.offset(), (int) s.end());
                assertTrue(IntStream.range(0, b.length).anyMatch(i -> b[i] != 0f), s.name() + " never moved");
            }
        }

        TestRuns.train(loraConfig("lora-resumed", 2, STEPS / 2), false);
        TrainingResult resumed = TestRuns.train(loraConfig("lora-resumed", 2, STEPS), true);
        assertArrayEquals(straight.params(), resumed.params(), "10 steps + --resume to 20 must equal 20 straight");
    }

    /**
     * LoRA with DiLoCo-style averaging and top-k deltas: only the adapters and the head travel, compressed, and each
     * partition's inner AdamW moments and residual (adapter-sized) are kept between rounds; a run repeats bit for bit
     * and 10 steps + --resume to 20 equal 20 straight.
     */
    @Test
    void loraWithAveragingAndTopkDeltasRepeatsAndResumesExactly() {
        String[] diloco = {"training.mode=averaging", "training.averaging.localSteps=2",
                "training.communication.compression.type=topk", "training.communication.compression.fraction=0.1"};
        TrainingResult straight = TestRuns.train(loraConfig("lora-diloco", 2, STEPS, diloco), false);
        TrainingResult again = TestRuns.train(loraConfig("lora-diloco-again", 2, STEPS, diloco), false);
        assertArrayEquals(straight.params(), again.params(), "run to run");
        int adapters = straight.params().length;
        for (RoundReport r : straight.rounds()) {
            assertEquals(4L * adapters, r.bytesToWorker(), "the adapters and the head go out");
            assertEquals(8L * (long) Math.ceil(0.1 * adapters), r.bytesFromWorker(), "top-k 10 % comes back");
        }
        double[] losses = straight.losses();
        assertTrue(losses[losses.length - 1] < losses[0], "trains: " + Arrays.toString(losses));

        TestRuns.train(loraConfig("lora-diloco-resumed", 2, STEPS / 2, diloco), false);
        TrainingResult resumed = TestRuns.train(loraConfig("lora-diloco-resumed", 2, STEPS, diloco),
                true);
        assertArrayEquals(straight.params(), resumed.params(), "10 steps + --resume to 20 must equal 20 straight");
    }

    private static TrainConfig loraConfig(String name, int partitions, int steps, String... overrides) {
        String yaml = TinyBertSlice.config(name, null, dir.resolve(name), Path.of(trainPath), partitions, steps)
                .replace("seed: 7,", "seed: 7, lora: {rank: 4, alpha: 8, targets: [query, value, intermediate.dense]},");
        return ConfigLoader.parse(yaml, false, List.of(overrides));
    }

    /** Eight fixed micro-batches' gradients on Spark task threads (1, 2, 4 partitions) and on the driver: equal bits. */
    @Test
    void gradientsAreBitIdenticalAcrossPartitionings() {
        ResolvedModel resolved = ModelEngines.resolve(config(1).model());
        ModelArchitecture spec = resolved.architecture();
        float[] params = resolved.initialParameters();
        List<int[]> microBatches = IntStream.range(0, 8).mapToObj(b -> IntStream.range(b * 4, b * 4 + 4).toArray())
                .toList();
        List<float[]> onDriver = new ArrayList<>();
        long t0 = System.nanoTime();
        try (TrainableModel model = ModelEngines.create(spec)) {
            model.setParameters(params);
            for (int[] members : microBatches) {
                onDriver.add(gradient(model, batch(rows, members)));
            }
        }
        System.out.printf("DJL BERT: 8 micro-batch gradients on the driver thread in %.0f ms%n",
                (System.nanoTime() - t0) / 1e6);
        List<Batch> batches = microBatches.stream().map(m -> batch(rows, m)).toList();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        for (int partitions : new int[] {1, 2, 4}) {
            List<float[]> onTasks = sc.parallelize(IntStream.range(0, batches.size()).boxed().toList(), partitions)
                    .mapPartitions(ids -> {
                        List<float[]> out = new ArrayList<>();
                        try (TrainableModel model = ModelEngines.create(spec)) {
                            model.setParameters(params);
                            ids.forEachRemaining(i -> out.add(gradient(model, batches.get(i))));
                        }
                        return out.iterator();
                    }).collect();
            for (int b = 0; b < batches.size(); b++) {
                assertArrayEquals(onDriver.get(b), onTasks.get(b), partitions + " partitions, micro-batch " + b
                        + ": the gradient differs from the driver's in some bits");
            }
        }
    }

    private static float[] gradient(TrainableModel model, Batch batch) {
        float[] g = new float[model.layout().size()];
        model.accumulateGradient(batch, g);
        return g;
    }

    private static Batch batch(List<int[][]> data, int[] members) {
        int n = members.length;
        int[] ids = new int[n * SEQ];
        int[] mask = new int[n * SEQ];
        int[] types = new int[n * SEQ];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int[][] r = data.get(members[i]);
            System.arraycopy(r[0], 0, ids, i * SEQ, SEQ);
            System.arraycopy(r[1], 0, mask, i * SEQ, SEQ);
            System.arraycopy(r[2], 0, types, i * SEQ, SEQ);
            labels[i] = r[3][0];
        }
        return new Batch(Map.of("input_ids", Tensor.ofInts(ids, n, SEQ), "attention_mask", Tensor.ofInts(mask, n, SEQ),
                "token_type_ids", Tensor.ofInts(types, n, SEQ), "label", Tensor.ofInts(labels, n)));
    }

    private static TrainConfig config(int partitions) {
        return ConfigLoader.parse(TinyBertSlice.config("djl-exact", null, dir.resolve("p" + partitions),
                Path.of(trainPath), partitions, STEPS), false, List.of());
    }
}

package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkft.bert.BertHead;
import dev.sparkft.bert.BertParameterNames;
import dev.sparkft.bert.BertTask;
import dev.sparkft.bert.Pooling;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.testing.Models;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Timings on real model sizes, run on request: {@code -Dsparkft.bench=true} (threads from the argLine's
 * ai.djl.pytorch.num_threads). Medians of repeated runs after warm-up.
 */
@EnabledIfSystemProperty(named = "sparkft.bench", matches = "true")
class DjlBertBenchmarkTest {
    private static final BertConfig MINILM = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, "gelu");
    private static final BertConfig BERT_MINI = new BertConfig(30522, 256, 4, 4, 1024, 512, 2, 1e-12, "gelu");

    @Test
    void gradientExportAndParameterLoadAtMiniLmSize() {
        BertHead head = new BertHead(BertTask.SEQUENCE_CLASSIFICATION, 2, Pooling.CLS);
        ParameterLayout layout = BertParameterNames.layout(MINILM, head);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<NDArray> grads = new ArrayList<>();
            for (ParameterSegment s : layout.segments()) {
                grads.add(manager.randomNormal(new Shape(s.shape())));
            }
            FlatGradient export = new FlatGradient();
            float[] sum = new float[layout.size()];
            ParameterArrays params = new ParameterArrays(manager, layout, DataType.FLOAT32);
            float[] flat = new float[layout.size()];
            Arrays.fill(flat, 0.5f);
            long[] exportNs = new long[7];
            long[] loadNs = new long[7];
            for (int r = 0; r < exportNs.length; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < grads.size(); i++) {
                    export.addInto(layout.segments().get(i), grads.get(i), sum);
                }
                long t1 = System.nanoTime();
                params.set(flat);
                long t2 = System.nanoTime();
                exportNs[r] = t1 - t0;
                loadNs[r] = t2 - t1;
            }
            System.out.printf("MiniLM-size (%,d parameters): gradient export (add into float[]) median %.1f ms,"
                    + " parameter load median %.1f ms%n", layout.size(), median(exportNs) / 1e6, median(loadNs) / 1e6);
            float expected = exportNs.length * grads.get(0).getFloat(0, 0);
            assertEquals(expected, sum[0], 1e-4);
            assertEquals(0.5f, params.get("classifier.bias").getFloat(1));
        }
    }

    @Test
    void stepTimeAtBertMiniAndMiniLmShapes() {
        step("BERT-mini L4 H256 A4 FFN1024", BERT_MINI, 7);
        step("MiniLM-L6 L6 H384 A12 FFN1536", MINILM, 4);
    }

    /**
     * Repeats one gradient in the same JVM, each on a new thread as Spark tasks are, and reports how far the
     * repeats differ from the first, bitwise.
     */
    @Test
    void repeatabilityOfGradients() throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("vocab_size", 1000);
        config.put("hidden_size", 256);
        config.put("num_hidden_layers", 2);
        config.put("num_attention_heads", 4);
        config.put("intermediate_size", 1024);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", "sequence-classification");
        o.put("numLabels", 2);
        o.put("config", config);
        Batch batch = randomBatch(16, 64, 1000);
        ModelSpec spec = new ModelSpec("djl-pytorch", o);
        try (TrainableModel m = Models.create(spec)) {
            m.setParameters(Models.initial(spec));
            float[] first = new float[m.layout().size()];
            m.accumulateGradient(batch, first);
            int identical = 0;
            double worst = 0;
            for (int r = 0; r < 6; r++) {
                float[] g = new float[first.length];
                Thread task = new Thread(() -> m.accumulateGradient(batch, g));
                task.start();
                task.join();
                double maxDiff = 0;
                for (int i = 0; i < g.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(g[i] - first[i]));
                }
                identical += maxDiff == 0 ? 1 : 0;
                worst = Math.max(worst, maxDiff);
            }
            System.out.printf("repeatability, intra-op threads %d, MKL_CBWR=%s: %d of 6 repeats bit-identical,"
                    + " worst element difference %.3g%n", JniUtils.getNumThreads(), System.getenv("MKL_CBWR"),
                    identical, worst);
        }
    }

    private static void step(String label, BertConfig c, int repeats) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("vocab_size", c.vocabSize());
        config.put("hidden_size", c.hiddenSize());
        config.put("num_hidden_layers", c.numLayers());
        config.put("num_attention_heads", c.numHeads());
        config.put("intermediate_size", c.intermediateSize());
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", "sequence-classification");
        o.put("numLabels", 2);
        o.put("config", config);
        Batch batch = randomBatch(32, 128, c.vocabSize());
        ModelSpec spec = new ModelSpec("djl-pytorch", o);
        try (TrainableModel m = Models.create(spec)) {
            m.setParameters(Models.initial(spec));
            float[] g = new float[m.layout().size()];
            long[] ns = new long[repeats];
            for (int r = -2; r < repeats; r++) {
                long t0 = System.nanoTime();
                m.accumulateGradient(batch, g);
                if (r >= 0) {
                    ns[r] = System.nanoTime() - t0;
                }
            }
            System.out.printf("%s, 32x128, fwd+bwd+export, intra-op threads %d: median %.3f s/step (min %.3f)%n",
                    label, JniUtils.getNumThreads(), median(ns) / 1e9, Arrays.stream(ns).min().getAsLong() / 1e9);
            assertTrue(median(ns) > 0);
        }
    }

    private static Batch randomBatch(int n, int seq, int vocab) {
        Random r = new Random(1);
        int[] ids = new int[n * seq];
        int[] ones = new int[n * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(vocab);
            ones[i] = 1;
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(2);
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", Tensor.ofInts(ids, n, seq));
        m.put("attention_mask", Tensor.ofInts(ones, n, seq));
        m.put("token_type_ids", Tensor.ofInts(new int[n * seq], n, seq));
        m.put("label", Tensor.ofInts(labels, n));
        return new Batch(m);
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

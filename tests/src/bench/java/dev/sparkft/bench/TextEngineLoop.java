package dev.sparkft.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.optim.ScheduleConfig;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * SparkFT's training step without Spark, as the synchronous trainer does it per step: load the flat parameters
 * into the DJL BERT model, forward + backward with the gradient added into a flat {@code float[]}
 * ({@link TrainableModel#accumulateGradient}), scale to the mean, AdamW on the driver's flat vector
 * ({@link FlatParameters}). Threads come from {@code ai.djl.pytorch.num_threads} (set by the caller).
 */
final class TextEngineLoop {
    /** torch.optim.AdamW as the reference script configures it. */
    static final OptimizerConfig ADAMW = OptimizerConfig.adamW(5e-5, 0.01, ScheduleConfig.constant());

    private TextEngineLoop() {
    }

    /** Median step time and its parts over {@code steps} steps after {@code warmup}; peak RSS of the process. */
    static ObjectNode steps(TextShape shape, String precision, int batchSize, int warmup, int steps) {
        Batch batch = TextShape.randomBatch(batchSize, 1);
        ResolvedModel resolved = ModelEngines.resolve(shape.spec(precision));
        try (TrainableModel model = ModelEngines.create(resolved.architecture())) {
            FlatParameters params = new FlatParameters(resolved.initialParameters(),
                    Optimizers.create(ADAMW, model.layout()));
            long[] step = new long[steps];
            long[] load = new long[steps];
            long[] fwdBwd = new long[steps];
            long[] optimizer = new long[steps];
            // Reused like the trainer's round vectors, so that neither side pays fresh 91 MB arrays per step.
            float[] sent = new float[params.size()];
            float[] gradient = new float[params.size()];
            for (int t = -warmup; t < steps; t++) {
                long t0 = System.nanoTime();
                params.copyTo(sent);
                model.setParameters(sent);
                long t1 = System.nanoTime();
                Arrays.fill(gradient, 0f);
                LossSum loss = model.accumulateGradient(batch, gradient);
                long t2 = System.nanoTime();
                scale(gradient, loss);
                params.step(gradient, 0);
                long t3 = System.nanoTime();
                if (t >= 0) {
                    step[t] = t3 - t0;
                    load[t] = t1 - t0;
                    fwdBwd[t] = t2 - t1;
                    optimizer[t] = t3 - t2;
                }
            }
            double stepMs = TextBench.median(step) / 1e6;
            return FoundationBench.JSON.createObjectNode().put("samplesPerSec", batchSize * 1e3 / stepMs)
                    .put("stepMs", stepMs).put("loadMs", TextBench.median(load) / 1e6)
                    .put("fwdBwdExportMs", TextBench.median(fwdBwd) / 1e6)
                    .put("exportMs", exportMs(model))
                    .put("optimizerMs", TextBench.median(optimizer) / 1e6)
                    .put("peakRssMb", ProcessMemory.peakResidentMb()).put("parameters", model.layout().size())
                    .set("stepsMs", millis(step));
        }
    }

    /** Per-step times in ms, for the distribution. */
    static ArrayNode millis(long[] nanos) {
        ArrayNode a = FoundationBench.JSON.createArrayNode();
        for (long n : nanos) {
            a.add(n / 1e6);
        }
        return a;
    }

    /**
     * Evaluation of a labelled batch, the two ways in one JVM, alternating: the seam's default (a backward
     * pass into a scratch buffer for the loss, then a forward for the logits) and the engine's one forward
     * pass without gradients ({@link TrainableModel#evaluate}). Medians per batch.
     */
    static ObjectNode evaluation(TextShape shape, int batchSize, int warmup, int steps) {
        Batch batch = TextShape.randomBatch(batchSize, 2);
        ResolvedModel resolved = ModelEngines.resolve(shape.spec("fp32"));
        try (TrainableModel model = ModelEngines.create(resolved.architecture())) {
            model.setParameters(resolved.initialParameters());
            long[] twoPasses = new long[steps];
            long[] onePass = new long[steps];
            double lossTwo = 0;
            double lossOne = 0;
            for (int t = -warmup; t < steps; t++) {
                long t0 = System.nanoTime();
                lossTwo = model.accumulateGradient(batch, new float[model.layout().size()]).loss();
                model.predict(batch);
                long t1 = System.nanoTime();
                lossOne = model.evaluate(batch).loss().loss();
                long t2 = System.nanoTime();
                if (t >= 0) {
                    twoPasses[t] = t1 - t0;
                    onePass[t] = t2 - t1;
                }
            }
            if (Math.abs(lossOne - lossTwo) > 1e-5 * Math.abs(lossTwo)) {
                throw new IllegalStateException("evaluate's loss " + lossOne + " differs from the training loss " + lossTwo);
            }
            return FoundationBench.JSON.createObjectNode()
                    .put("backwardAndPredictMs", TextBench.median(twoPasses) / 1e6)
                    .put("evaluateMs", TextBench.median(onePass) / 1e6).put("lossSum", lossOne);
        }
    }

    /**
     * The trainer's compute without Spark: {@code models} models (one intra-op thread each, as the executors'
     * rule sets) compute the gradients of {@code batchSize / models} examples each at once, on their own
     * threads; a step takes as long as the slowest. Median step time, including each model's parameter load.
     */
    static ObjectNode parallelModels(TextShape shape, int models, int batchSize, int warmup, int steps)
            throws Exception {
        List<TrainableModel> all = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(models);
        try {
            ResolvedModel resolved = ModelEngines.resolve(shape.spec("fp32"));
            for (int m = 0; m < models; m++) {
                all.add(ModelEngines.create(resolved.architecture()));
            }
            float[] params = resolved.initialParameters();
            List<Batch> batches = new ArrayList<>();
            for (int m = 0; m < models; m++) {
                batches.add(TextShape.randomBatch(batchSize / models, m + 1));
            }
            long[] step = new long[steps];
            List<float[]> gradients = new ArrayList<>();
            for (int m = 0; m < models; m++) {
                gradients.add(new float[params.length]);
            }
            for (int t = -warmup; t < steps; t++) {
                long t0 = System.nanoTime();
                List<Future<?>> running = new ArrayList<>();
                for (int m = 0; m < models; m++) {
                    TrainableModel model = all.get(m);
                    Batch batch = batches.get(m);
                    float[] gradient = gradients.get(m);
                    running.add(pool.submit(() -> {
                        model.setParameters(params);
                        Arrays.fill(gradient, 0f);
                        model.accumulateGradient(batch, gradient);
                    }));
                }
                for (Future<?> f : running) {
                    f.get();
                }
                if (t >= 0) {
                    step[t] = System.nanoTime() - t0;
                }
            }
            double stepMs = TextBench.median(step) / 1e6;
            return FoundationBench.JSON.createObjectNode().put("samplesPerSec", batchSize * 1e3 / stepMs)
                    .put("stepMs", stepMs).put("peakRssMb", ProcessMemory.peakResidentMb()).set("stepsMs", millis(step));
        } finally {
            pool.shutdownNow();
            for (TrainableModel model : all) {
                model.close();
            }
        }
    }

    /** Resident memory every {@code every} steps (after the step) over {@code steps} steps. */
    static ObjectNode residentMemory(TextShape shape, int batchSize, int steps, int every) {
        Batch batch = TextShape.randomBatch(batchSize, 1);
        ObjectNode node = FoundationBench.JSON.createObjectNode();
        var samples = node.putArray("rssMb");
        long start = System.nanoTime();
        ResolvedModel resolved = ModelEngines.resolve(shape.spec());
        try (TrainableModel model = ModelEngines.create(resolved.architecture())) {
            FlatParameters params = new FlatParameters(resolved.initialParameters(),
                    Optimizers.create(ADAMW, model.layout()));
            samples.add(ProcessMemory.residentMb());
            for (int t = 1; t <= steps; t++) {
                model.setParameters(params.toArray());
                float[] gradient = new float[model.layout().size()];
                LossSum loss = model.accumulateGradient(batch, gradient);
                scale(gradient, loss);
                params.step(gradient, 0);
                if (t % every == 0) {
                    samples.add(ProcessMemory.residentMb());
                }
            }
        }
        return node.put("seconds", (System.nanoTime() - start) / 1e9).put("peakRssMb", ProcessMemory.peakResidentMb());
    }

    private static void scale(float[] gradient, LossSum loss) {
        float s = (float) (1.0 / loss.weight());
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] *= s;
        }
    }

    /**
     * The gradient export's share of accumulateGradient, measured apart (it runs inside the engine): adding
     * fp32 libtorch arrays of every segment's shape into a flat {@code float[]} through a direct view, as the
     * engine does; median of 5.
     */
    private static double exportMs(TrainableModel model) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<NDArray> grads = new ArrayList<>();
            for (ParameterSegment s : model.layout().segments()) {
                grads.add(manager.ones(new Shape(s.shape())));
            }
            float[] sum = new float[model.layout().size()];
            float[] chunk = new float[1 << 16];
            long[] ns = new long[5];
            for (int r = 0; r < ns.length; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < grads.size(); i++) {
                    ParameterSegment s = model.layout().segments().get(i);
                    FloatBuffer view = grads.get(i).toByteBuffer(true).asFloatBuffer();
                    for (int from = 0; from < s.length(); from += chunk.length) {
                        int n = (int) Math.min(chunk.length, s.length() - from);
                        view.get(from, chunk, 0, n);
                        int at = (int) s.offset() + from;
                        for (int j = 0; j < n; j++) {
                            sum[at + j] += chunk[j];
                        }
                    }
                }
                ns[r] = System.nanoTime() - t0;
            }
            if (sum[0] != ns.length) {
                throw new IllegalStateException("export check: expected " + ns.length + ", got " + sum[0]);
            }
            return TextBench.median(ns) / 1e6;
        }
    }
}

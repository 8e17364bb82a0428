package dev.sparkft.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.cnn.CnnModelOptions;
import dev.sparkft.engine.djl.Autograd;
import dev.sparkft.engine.djl.FlatGradient;
import dev.sparkft.engine.djl.ParameterArrays;
import dev.sparkft.engine.djl.cnn.CnnNetwork;
import dev.sparkft.model.Batch;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.optim.Optimizers;
import dev.sparkft.optim.ScheduleConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * SparkFT's CNN training step without Spark, as the synchronous trainer does it per step: flat parameters into
 * the DJL CNN model ({@code FlatParameters.toArray} + {@code setParameters}), forward + backward with the gradient
 * added into a flat {@code float[]} ({@link TrainableModel#accumulateGradient}), scale to the mean, AdamW on the
 * driver's flat vector ({@link FlatParameters#step}). fp32, batch norm on the running statistics ("frozen", the
 * fine-tuning default), random weights, one fixed random batch. Threads from {@code ai.djl.pytorch.num_threads}
 * (set by the caller).
 *
 * <p>{@link #profile} splits the engine's part further by running its network directly (the same calls as
 * {@code DjlCnnModel.accumulateGradient}): forward + loss, backward, gradient export into the flat vector.
 */
final class CnnEngineLoop {
    /** torch.optim.AdamW as scripts/reference/cnn_train_bench.py configures it. */
    static final OptimizerConfig ADAMW = OptimizerConfig.adamW(1e-3, 0.01, ScheduleConfig.constant());
    static final int CLASSES = 10;

    private CnnEngineLoop() {
    }

    static ModelSpec spec(String architecture, int size) {
        return new ModelSpec("djl-pytorch", Map.of("task", "image-classification", "architecture", architecture,
                "imageSize", List.of(3, size, size), "numLabels", CLASSES, "weights", "random", "batchNorm", "frozen",
                "seed", 1));
    }

    /** Uniform random uint8 pixels scaled to [0, 1], random labels (the values do not change the cost). */
    static Batch randomBatch(int n, int pixelsPerImage, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[n * pixelsPerImage];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256) / 255f;
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(CLASSES);
        }
        return new Batch(Map.of("pixels", Tensor.ofFloats(pixels, n, pixelsPerImage), "label", Tensor.ofInts(labels, n)));
    }

    /**
     * Median step time and its parts over {@code steps} steps after {@code warmup}, then {@code profileSteps}
     * profiled steps (medians); peak RSS of the process (taken before the profile).
     */
    static ObjectNode steps(String architecture, int size, int batchSize, int warmup, int steps, int profileSteps)
            throws Exception {
        ResolvedModel resolved = ModelEngines.resolve(spec(architecture, size));
        CnnModelOptions options = (CnnModelOptions) resolved.architecture().details();
        Batch batch = randomBatch(batchSize, options.config().pixelsPerImage(), 1);
        ObjectNode node = FoundationBench.JSON.createObjectNode();
        try (TrainableModel model = ModelEngines.create(resolved.architecture())) {
            FlatParameters params = new FlatParameters(resolved.initialParameters(),
                    Optimizers.create(ADAMW, model.layout()));
            long[] step = new long[steps];
            long[] toArray = new long[steps];
            long[] load = new long[steps];
            long[] fwdBwd = new long[steps];
            long[] optimizer = new long[steps];
            var perStep = node.putArray("stepMsEach");
            // With cnnbench.modelThread the model loads and computes on a thread of its own and the driver's
            // AdamW (ND4J) stays on this one, as in the trainer (ExecutorModels); otherwise all on this thread.
            ExecutorService modelThread = Boolean.getBoolean("cnnbench.modelThread")
                    ? Executors.newSingleThreadExecutor() : null;
            for (int t = -warmup; t < steps; t++) {
                long t0 = System.nanoTime();
                float[] flat = params.toArray();
                long t1 = System.nanoTime();
                long[] t2Box = new long[1];
                float[] gradient = new float[model.layout().size()];
                Callable<LossSum> compute = () -> {
                    model.setParameters(flat);
                    t2Box[0] = System.nanoTime();
                    return model.accumulateGradient(batch, gradient);
                };
                LossSum loss = modelThread == null ? call(compute) : modelThread.submit(compute).get();
                long t2 = t2Box[0];
                long t3 = System.nanoTime();
                float s = (float) (1.0 / loss.weight());
                for (int i = 0; i < gradient.length; i++) {
                    gradient[i] *= s;
                }
                params.step(gradient, 0);
                long t4 = System.nanoTime();
                if (!Double.isFinite(loss.loss())) {
                    throw new IllegalStateException("non-finite loss " + loss.loss() + " at step " + t);
                }
                if (t >= 0) {
                    step[t] = t4 - t0;
                    toArray[t] = t1 - t0;
                    load[t] = t2 - t1;
                    fwdBwd[t] = t3 - t2;
                    optimizer[t] = t4 - t3;
                    perStep.add(Math.round((t4 - t0) / 1e5) / 10.0);
                }
            }
            if (modelThread != null) {
                modelThread.shutdown();
            }
            double stepMs = TextBench.median(step) / 1e6;
            node.put("modelThread", modelThread != null).put("model", architecture).put("size", size).put("batch", batchSize).put("warmup", warmup)
                    .put("steps", steps).put("samplesPerSec", batchSize * 1e3 / stepMs).put("stepMs", stepMs)
                    .put("toArrayMs", TextBench.median(toArray) / 1e6).put("loadMs", TextBench.median(load) / 1e6)
                    .put("fwdBwdExportMs", TextBench.median(fwdBwd) / 1e6)
                    .put("optimizerMs", TextBench.median(optimizer) / 1e6)
                    .put("peakRssMb", ProcessMemory.peakResidentMb()).put("parameters", model.layout().size());
        }
        if (profileSteps > 0) {
            profile(node, options, resolved.initialParameters(), batch, profileSteps);
        }
        return node;
    }

    /**
     * The engine's part of a step, split: input to [n, C, H, W] and normalised, forward + summed cross-entropy,
     * backward, gradient export into a flat {@code float[]}; medians over {@code steps} after one warm-up.
     */
    private static void profile(ObjectNode node, CnnModelOptions options, float[] initial, Batch batch, int steps) {
        CnnConfig config = options.config();
        CnnNetwork network = new CnnNetwork(config);
        FlatGradient export = new FlatGradient();
        int n = batch.size();
        long[] input = new long[steps];
        long[] forward = new long[steps];
        long[] backward = new long[steps];
        long[] exportNs = new long[steps];
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ParameterArrays params = new ParameterArrays(manager, options.layout(), DataType.FLOAT32);
            params.set(initial);
            NDArray mean = channels(manager, config.mean());
            NDArray std = channels(manager, config.std());
            for (int t = -1; t < steps; t++) {
                int at = t;
                try (NDManager step = manager.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray x = step.create(batch.get("pixels").floats(),
                            new Shape(n, config.channels(), config.height(), config.width())).sub(mean).div(std);
                    NDArray y = step.create(batch.get("label").ints()).toType(DataType.INT64, false);
                    long t1 = System.nanoTime();
                    Autograd.withGradMode(true, () -> {
                        Map<String, NDArray> weights = new HashMap<>();
                        for (ParameterSegment s : options.layout().segments()) {
                            NDArray master = params.get(s.name());
                            weights.put(s.name(), s.trainable() ? Autograd.leaf(step, master) : master);
                        }
                        NDArray logits = network.logits(weights::get, x, false, null);
                        NDArray loss = JniUtils.logSoftmax((PtNDArray) logits, -1, DataType.FLOAT32)
                                .gather(y.reshape(-1, 1), 1).sum().neg();
                        float value = loss.getFloat();
                        long t2 = System.nanoTime();
                        Autograd.backward(loss);
                        long t3 = System.nanoTime();
                        float[] sum = new float[options.layout().size()];
                        for (ParameterSegment s : options.layout().segments()) {
                            if (s.trainable()) {
                                export.addInto(s, weights.get(s.name()).getGradient(), sum);
                            }
                        }
                        long t4 = System.nanoTime();
                        if (at >= 0) {
                            input[at] = t1 - t0;
                            forward[at] = t2 - t1;
                            backward[at] = t3 - t2;
                            exportNs[at] = t4 - t3;
                        }
                        return value;
                    });
                }
            }
        }
        node.put("profileSteps", steps).put("profileInputMs", TextBench.median(input) / 1e6)
                .put("profileForwardMs", TextBench.median(forward) / 1e6)
                .put("profileBackwardMs", TextBench.median(backward) / 1e6)
                .put("profileExportMs", TextBench.median(exportNs) / 1e6);
    }

    private static <T> T call(Callable<T> work) throws Exception {
        return work.call();
    }

    private static NDArray channels(NDManager manager, List<Double> values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).floatValue();
        }
        return manager.create(v, new Shape(1, v.length, 1, 1));
    }
}

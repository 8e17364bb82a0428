package dev.sparkft.spark.executor;

import dev.sparkft.model.ComputeDevice;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link TrainableModel} per executor JVM per {@link ModelSpec#cacheKey()} and device, built on first use, reused
 * by every later task and closed when the JVM shuts down. Models are not thread-safe, so tasks sharing an
 * executor take turns ({@link #withModel}); engines already use the cores inside one forward/backward.
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<String, Lease> MODELS = new ConcurrentHashMap<>();
    /** Spark's resource name for GPUs ({@code spark.task.resource.gpu.amount}). */
    static final String GPU_RESOURCE = "gpu";

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "sparkft-close-models"));
    }

    private ExecutorModels() {
    }

    /**
     * Runs {@code work} with exclusive use of this JVM's model for {@code spec}, on the GPU Spark assigned to
     * the running task if it has one (resource {@code gpu}), else on the CPU.
     */
    public static <T> T withModel(ModelSpec spec, Function<Lease, T> work) {
        ComputeDevice device = taskDevice();
        Lease lease = MODELS.computeIfAbsent(spec.cacheKey() + "@" + device, k -> {
            LOG.info("building model {} on this executor ({})", spec.engine(), device);
            return new Lease(ModelEngines.create(spec, device));
        });
        synchronized (lease) {
            return work.apply(lease);
        }
    }

    /** The first GPU address in the running task's resources, or the CPU (also outside a task). */
    static ComputeDevice taskDevice() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return ComputeDevice.CPU;
        }
        ResourceInformation gpus = task.resources().get(GPU_RESOURCE).getOrElse(() -> null);
        if (gpus == null || gpus.addresses().length == 0) {
            return ComputeDevice.CPU;
        }
        return ComputeDevice.gpuAddress(gpus.addresses()[0]);
    }

    private static void closeAll() {
        for (Lease lease : MODELS.values()) {
            synchronized (lease) {
                lease.model.close();
            }
        }
        MODELS.clear();
    }

    /** Exclusive access to a cached model, remembering which parameters it holds. */
    public static final class Lease {
        private final TrainableModel model;
        private String parametersVersion = "";
        private boolean firstGradientChecked;

        private Lease(TrainableModel model) {
            this.model = model;
        }

        public TrainableModel model() {
            return model;
        }

        /**
         * Loads the broadcast parameters unless the model holds them already (tasks of one round on one
         * executor set them once). Broadcast ids restart with every Spark application, hence the app id.
         */
        public void ensureParameters(Broadcast<float[]> params) {
            String version = SparkEnv.get().conf().getAppId() + "/" + params.id();
            if (!version.equals(parametersVersion)) {
                model.setParameters(params.value());
                parametersVersion = version;
            }
        }

        /** Loads parameters that exist only in this task (local steps); a later broadcast must reload. */
        public void setLocalParameters(float[] params) {
            model.setParameters(params);
            parametersVersion = "";
        }

        /**
         * Fails once per model if its first gradient is all zeros, which means nothing would train (every
         * parameter frozen, a detached loss, or labels the loss ignores). Non-finite values are left to the
         * driver, which names the step and applies {@code onNonFinite}.
         */
        public void checkFirstGradient(float[] gradient, long step) {
            if (firstGradientChecked) {
                return;
            }
            boolean anyNonZero = false;
            for (float g : gradient) {
                if (g != 0f) {
                    anyNonZero = true;
                    break;
                }
            }
            if (!anyNonZero && !model.layout().segments().isEmpty() && model.layout().trainableSize() > 0) {
                throw new IllegalStateException("step " + step + ": the first gradient of model '"
                        + model.getClass().getSimpleName() + "' is all zeros: nothing would train; check that the"
                        + " loss depends on the trainable parameters and that the labels are valid");
            }
            firstGradientChecked = true;
        }
    }
}

package dev.sparkft.spark.executor;

import dev.sparkft.model.ComputeDevice;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one executor JVM, per {@link ModelSpec#cacheKey()} and device: built on first use, reused by
 * later tasks and closed when the JVM shuts down. A model is not thread-safe, so a running task has one to
 * itself ({@link #withModel}); tasks running at the same time get one each (at most one per task slot), so
 * an executor's slots, one native compute thread each (docs/cluster.md), all compute at once.
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    /** Idle models by spec and device. */
    private static final Map<String, Deque<Lease>> IDLE = new ConcurrentHashMap<>();
    /** Every model built here, to close at shutdown. */
    private static final List<Lease> ALL = new CopyOnWriteArrayList<>();
    /** Spark's resource name for GPUs ({@code spark.task.resource.gpu.amount}). */
    static final String GPU_RESOURCE = "gpu";

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "sparkft-close-models"));
    }

    private ExecutorModels() {
    }

    /**
     * Runs {@code work} with exclusive use of an idle model for {@code spec} (a new one if every model is busy),
     * on the GPU Spark assigned to the running task if it has one (resource {@code gpu}), else on the CPU.
     */
    public static <T> T withModel(ModelSpec spec, Function<Lease, T> work) {
        ComputeDevice device = taskDevice();
        Deque<Lease> idle = IDLE.computeIfAbsent(spec.cacheKey() + "@" + device, k -> new ConcurrentLinkedDeque<>());
        Lease lease = idle.pollFirst();
        if (lease == null) {
            LOG.info("building model {} on this executor ({}, {} models in this JVM before it)", spec.engine(), device,
                    ALL.size());
            lease = new Lease(ModelEngines.create(spec, device));
            ALL.add(lease);
        }
        try {
            synchronized (lease) {
                return work.apply(lease);
            }
        } finally {
            idle.addFirst(lease);
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
        for (Lease lease : ALL) {
            synchronized (lease) {
                lease.model.close();
            }
        }
        ALL.clear();
        IDLE.clear();
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

        /** Loads the round's parameters unless the model holds them already (from an earlier task of the round). */
        public void ensureParameters(RoundParameters params) {
            String version = params.version();
            if (!version.equals(parametersVersion)) {
                model.setParameters(params.value());
                parametersVersion = version;
            }
        }

        /** Loads parameters that exist only in this task (local steps); a later round must reload. */
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

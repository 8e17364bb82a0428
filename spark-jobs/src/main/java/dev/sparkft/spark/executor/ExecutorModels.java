package dev.sparkft.spark.executor;

import dev.sparkft.model.ComputeDevice;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.TrainableModel;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one executor JVM, per {@link ModelArchitecture#cacheKey()} and device: built on first use from
 * the architecture alone (no file is read here: the starting weights arrive as the round's parameters), reused by
 * later tasks and closed when the JVM shuts down. A model is not thread-safe, so a running task has one to
 * itself ({@link #withModel}); tasks running at the same time get one each (at most one per task slot), so
 * an executor's slots, one native compute thread each (docs/cluster.md), all compute at once.
 *
 * <p>Each model is built and always computes on its own thread: the task thread hands the work over and waits.
 * Native memory then comes from the same malloc arena every round. When a model moved between Spark's task
 * threads, its step touched fresh pages of another thread's arena (up to 72,000 page faults, 0.3-0.7 s of a
 * 2 s MiniLM step); on its own thread it settles after the first round.
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    /** Idle models by architecture and device. */
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
     * Runs {@code work} with exclusive use of an idle model of {@code architecture} (a new one if every model is busy),
     * on the GPU Spark assigned to the running task if it has one (resource {@code gpu}), else on the CPU.
     */
    public static <T> T withModel(ModelArchitecture architecture, Function<Lease, T> work) {
        ComputeDevice device = taskDevice();
        Deque<Lease> idle = IDLE.computeIfAbsent(architecture.cacheKey() + "@" + device,
                k -> new ConcurrentLinkedDeque<>());
        Lease lease = idle.pollFirst();
        if (lease == null) {
            long start = System.nanoTime();
            lease = new Lease(architecture, device, ALL.size());
            LOG.info("built model {} on this executor in {} ms ({}, {} models in this JVM before it)",
                    architecture.engine(), (System.nanoTime() - start) / 1_000_000, device, ALL.size());
            ALL.add(lease);
        }
        try {
            Lease leased = lease;
            return lease.call(() -> {
                synchronized (leased) {
                    return work.apply(leased);
                }
            });
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
            lease.thread.shutdown();
        }
        ALL.clear();
        IDLE.clear();
    }

    /** Exclusive access to a cached model, remembering which parameters it holds. */
    public static final class Lease {
        /** The model's own thread: it builds the model and runs all its work, one call at a time. */
        private final ExecutorService thread;
        private final TrainableModel model;
        private String parametersVersion = "";
        private boolean firstGradientChecked;

        private Lease(ModelArchitecture architecture, ComputeDevice device, int number) {
            String name = "sparkft-model-" + number + " (" + architecture.engine() + ", " + device + ")";
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
            try {
                this.model = call(() -> ModelEngines.create(architecture, device));
            } catch (RuntimeException | Error e) {
                thread.shutdown();
                throw e;
            }
        }

        /**
         * Runs {@code work} on the model's thread and waits for it. If the waiting task is interrupted (Spark
         * killed it) the work still finishes on the model's thread before any later call starts there.
         */
        private <T> T call(Callable<T> work) {
            Future<T> result = thread.submit(work);
            try {
                return result.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the model computed (task killed)", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
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

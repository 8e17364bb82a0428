package dev.sparkft.spark.cli;

import dev.sparkft.model.ModelEngines;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.DriverModel;
import dev.sparkft.spark.driver.SparkSessions;

/**
 * The JVM heap {@code bin/sparkft} starts a run with, from the model's size: a fixed part for Spark, the
 * cached data and the JVM, plus whole parameter-sized float arrays that can be live at once in local mode
 * (driver and executors share the JVM): one gradient per partition of the round, the round's parameter copy,
 * a checkpoint's parameters and two optimizer buffers, an evaluation's copy, and as much again as headroom
 * for the collector. Without a bound the JVM takes a quarter of the machine and fails late, if at all.
 */
final class HeapSize {
    static final long BASE_MB = 1536;
    /** Parameter-sized arrays on top of one per partition. */
    static final int ARRAYS_BESIDES_PARTITIONS = 8;

    private HeapSize() {
    }

    /** The heap in MiB for {@code config}, rounded up to 256 MiB. */
    static long megabytes(TrainConfig config) {
        // The architecture only: resolving as for --resume reads no starting weights.
        DriverModel model = DriverModel.resolve(config.model(), true, SparkSessions.hadoopConfiguration());
        long parameters = ModelEngines.find(config.model().engine()).parameterCount(model.architecture());
        long frozen = model.architecture().frozen() == null ? 0 : model.architecture().frozen().values().length;
        return megabytes(parameters, frozen, config.data().partitions(), stateArrays(config));
    }

    /**
     * Parameter-sized arrays each partition keeps between rounds: the inner optimizer's buffers in averaging mode
     * (Adam's two moments, momentum's one), and the error-feedback residual with compression.
     */
    static int stateArrays(TrainConfig config) {
        int arrays = config.training().communication().compression().enabled() ? 1 : 0;
        if (config.training().mode() == TrainConfig.Mode.AVERAGING) {
            String inner = config.optimizer().type();
            arrays += inner.startsWith("adam") ? 2 : inner.equals("sgd") ? 0 : 1;
        }
        return arrays;
    }

    /**
     * @param frozen values a model computes with but does not train (LoRA's base): on the heap once, and once
     *               more as the broadcast's serialised blocks
     */
    static long megabytes(long parameters, long frozen, int partitions) {
        return megabytes(parameters, frozen, partitions, 0);
    }

    /**
     * @param stateArrays parameter-sized arrays each partition keeps between rounds ({@link #stateArrays}): in a
     *                    round the previous and the new state are both live
     */
    static long megabytes(long parameters, long frozen, int partitions, int stateArrays) {
        long arrays = (long) partitions * (1 + 2L * stateArrays) + ARRAYS_BESIDES_PARTITIONS;
        long bytes = (arrays * parameters + 2 * frozen) * Float.BYTES;
        long mb = BASE_MB + (bytes + (1 << 20) - 1) / (1 << 20);
        return (mb + 255) / 256 * 256;
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.spark.executor.PartitionState;
import java.util.List;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a checkpoint every {@code everySteps} steps and every {@code everyEpochs} epochs (0 turns either
 * off), and whenever the loop asks ({@link #saveNow}: before the end-of-run evaluation, when the run is
 * asked to stop). A step is saved once.
 */
public final class CheckpointListener implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointListener.class);

    private final CheckpointStore store;
    private final long everySteps;
    private final long stepsPerCheckpointEpoch;
    private final String configJson;
    private final String layoutFingerprint;
    private final long examples;
    private final String dataFingerprint;
    private final LongFunction<List<PartitionState>> partitionStates;
    private long lastSaved = -1;

    /**
     * {@code everyEpochs} counts epochs of {@code stepsPerEpoch} steps; {@code partitionStates} gives the
     * partitions' states at the time of a save.
     */
    public CheckpointListener(CheckpointStore store, long everySteps, int everyEpochs, long stepsPerEpoch,
            String configJson, String layoutFingerprint, long examples, String dataFingerprint,
            LongFunction<List<PartitionState>> partitionStates) {
        this.partitionStates = partitionStates;
        this.store = store;
        this.everySteps = everySteps;
        this.stepsPerCheckpointEpoch = everyEpochs * stepsPerEpoch;
        this.configJson = configJson;
        this.layoutFingerprint = layoutFingerprint;
        this.examples = examples;
        this.dataFingerprint = dataFingerprint;
    }

    @Override
    public void onStart(TrainingState state) {
        lastSaved = state.step();
    }

    @Override
    public void onRound(RoundReport round, TrainingState state) {
        if (crossed(everySteps, round) || crossed(stepsPerCheckpointEpoch, round)) {
            saveNow(state);
        }
    }

    private static boolean crossed(long every, RoundReport round) {
        return every > 0 && round.nextStep() / every > round.step() / every;
    }

    @Override
    public void onEnd(TrainingState state) {
        saveNow(state);
    }

    /** Saves {@code state} unless its step is already saved. */
    public void saveNow(TrainingState state) {
        if (state.step() != lastSaved) {
            LOG.info("checkpoint at step {}: {}", state.step(), store.save(checkpointOf(state)));
            lastSaved = state.step();
        }
    }

    /** Saves the current state as the best checkpoint (early stopping's choice). */
    public void saveBest(TrainingState state) {
        LOG.info("best checkpoint at step {}: {}", state.step(), store.saveBest(checkpointOf(state)));
    }

    private Checkpoint checkpointOf(TrainingState state) {
        return new Checkpoint(state.step(), state.skippedSteps(), examples, dataFingerprint, layoutFingerprint,
                configJson, state.params().toArray(), state.params().optimizer().state(), partitionStates.apply(state.step()));
    }
}

package dev.sparkft.spark.driver;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Saves a checkpoint every {@code everySteps} steps (0 = never in between) and at the end of the run. */
public final class CheckpointListener implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointListener.class);

    private final CheckpointStore store;
    private final long everySteps;
    private final String configJson;
    private final String layoutFingerprint;
    private final long examples;
    private long lastSaved = -1;

    public CheckpointListener(CheckpointStore store, long everySteps, String configJson, String layoutFingerprint,
            long examples) {
        this.store = store;
        this.everySteps = everySteps;
        this.configJson = configJson;
        this.layoutFingerprint = layoutFingerprint;
        this.examples = examples;
    }

    @Override
    public void onStart(TrainingState state) {
        lastSaved = state.step();
    }

    @Override
    public void onRound(RoundReport round, TrainingState state) {
        if (everySteps > 0 && round.nextStep() / everySteps > round.step() / everySteps) {
            save(state);
        }
    }

    @Override
    public void onEnd(TrainingState state) {
        if (state.step() != lastSaved) {
            save(state);
        }
    }

    /** Saves the current state as the best checkpoint (early stopping's choice). */
    public void saveBest(TrainingState state) {
        LOG.info("best checkpoint at step {}: {}", state.step(), store.saveBest(checkpointOf(state)));
    }

    private void save(TrainingState state) {
        LOG.info("checkpoint at step {}: {}", state.step(), store.save(checkpointOf(state)));
        lastSaved = state.step();
    }

    private Checkpoint checkpointOf(TrainingState state) {
        return new Checkpoint(state.step(), state.skippedSteps(), examples, layoutFingerprint, configJson,
                state.params().toArray(), state.params().optimizer().state());
    }
}

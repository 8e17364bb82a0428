package dev.sparkft.optim;

import java.io.Serializable;
import java.util.Map;

/** An optimizer's exportable state, part of every checkpoint: type, step count, named flat buffers. */
public record OptimizerState(String optimizer, long step, Map<String, float[]> buffers) implements Serializable {
}

package dev.sparkft.spark.executor;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparkft.optim.OptimizerState;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one partition keeps from round to round on its executor: the inner optimizer's state in averaging mode
 * (its moment buffers; the step count follows the global step) and the error-feedback residual when vectors are
 * compressed. Named fp32 arrays, so that it is stored, cut into chunks and checkpointed in one way.
 * {@link #EMPTY} is a partition before its first round. Immutable once built: a round makes a new one.
 */
public final class PartitionState implements Serializable, KryoSerializable {
    private static final long serialVersionUID = 1L;
    /** Prefix of the inner optimizer's buffers among {@link #arrays}. */
    private static final String INNER = "inner.";
    static final String RESIDUAL = "residual";
    /** No partition state holds more than this many arrays (a corrupt stream must not allocate without bound). */
    private static final int MAX_ARRAYS = 64;

    public static final PartitionState EMPTY = new PartitionState(null, new LinkedHashMap<>());

    /** The inner optimizer's type, or null when there is none. */
    private String innerOptimizer;
    private Map<String, float[]> arrays;

    public PartitionState(String innerOptimizer, Map<String, float[]> arrays) {
        this.innerOptimizer = innerOptimizer;
        this.arrays = new LinkedHashMap<>(arrays);
    }

    /** The state after a round: {@code inner} (null: none) and {@code residual} (null: none). */
    public static PartitionState of(OptimizerState inner, float[] residual) {
        Map<String, float[]> arrays = new LinkedHashMap<>();
        if (inner != null) {
            inner.buffers().forEach((name, values) -> arrays.put(INNER + name, values));
        }
        if (residual != null) {
            arrays.put(RESIDUAL, residual);
        }
        return new PartitionState(inner == null ? null : inner.optimizer(), arrays);
    }

    /** The inner optimizer's state with step count {@code step}, or null before the partition's first round. */
    public OptimizerState inner(long step) {
        if (innerOptimizer == null) {
            return null;
        }
        Map<String, float[]> buffers = new LinkedHashMap<>();
        arrays.forEach((name, values) -> {
            if (name.startsWith(INNER)) {
                buffers.put(name.substring(INNER.length()), values);
            }
        });
        return new OptimizerState(innerOptimizer, step, buffers);
    }

    /** This state with {@code residual} as its residual (null: none). */
    public PartitionState withResidual(float[] residual) {
        Map<String, float[]> copy = new LinkedHashMap<>(arrays);
        copy.remove(RESIDUAL);
        if (residual != null) {
            copy.put(RESIDUAL, residual);
        }
        return new PartitionState(innerOptimizer, copy);
    }

    /** The residual, or null before the partition's first compressed round. */
    public float[] residual() {
        return arrays.get(RESIDUAL);
    }

    public String innerOptimizer() {
        return innerOptimizer;
    }

    /** The named arrays, in a fixed order (read-only view; the arrays are not copied). */
    public Map<String, float[]> arrays() {
        return Collections.unmodifiableMap(arrays);
    }

    /** Sum of the squares of the residual (0 without one). */
    public double residualSquares() {
        float[] r = residual();
        double s = 0;
        if (r != null) {
            for (float x : r) {
                s += (double) x * x;
            }
        }
        return s;
    }

    @Override
    public void write(Kryo kryo, Output out) {
        out.writeString(innerOptimizer);
        out.writeInt(arrays.size());
        for (Map.Entry<String, float[]> e : arrays.entrySet()) {
            out.writeString(e.getKey());
            out.writeInt(e.getValue().length);
            out.writeFloats(e.getValue());
        }
    }

    @Override
    public void read(Kryo kryo, Input in) {
        innerOptimizer = in.readString();
        int n = in.readInt();
        if (n < 0 || n > MAX_ARRAYS) {
            throw new IllegalStateException("a partition state declares " + n + " arrays; executor and driver must"
                    + " run the same SparkFT build");
        }
        arrays = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readString();
            int length = in.readInt();
            if (length < 0) {
                throw new IllegalStateException("a partition state's array " + name + " declares " + length + " values");
            }
            arrays.put(name, in.readFloats(length));
        }
    }
}

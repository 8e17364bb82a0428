package dev.sparkft.model;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Values a model computes with but never trains, in the layout of {@link TrainableModel#frozenLayout()}: the
 * pretrained weights under LoRA adapters. They are not part of the flat vector, so they are not broadcast every
 * round, summed or stepped: a model gets them once, when it is built ({@link ModelEngines#create}).
 *
 * <p>{@link #of} holds them in memory (the driver, a test). Such a holder refuses Java serialization, so that
 * they never ride along in every Spark task: before Spark work the driver puts them in a broadcast, which is
 * another implementation of this interface (spark-jobs).
 */
public interface FrozenParameters extends Serializable {

    /** Names the values (a hash of them): a cached model built with the same id holds the same values. */
    String id();

    /** The values; read only. On an executor this may read them from where the driver put them. */
    float[] values();

    /** The values held in memory, {@code values} not copied; named by a SHA-256 of their bits. */
    static FrozenParameters of(float[] values) {
        return new InMemory(values, "frozen-" + values.length + "-" + digest(values));
    }

    /**
     * A SHA-256 of the values' bits, hex: models cached under one id must hold the same values, so a 32-bit hash
     * (whose collisions would hand one run another's base weights) will not do.
     */
    private static String digest(float[] values) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < values.length; ) {
            int n = Math.min(chunk.capacity() / Float.BYTES, values.length - at);
            chunk.clear();
            chunk.asFloatBuffer().put(values, at, n);
            sha.update(chunk.array(), 0, n * Float.BYTES);
            at += n;
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
    }

    /** Frozen values held in this JVM. */
    final class InMemory implements FrozenParameters {
        private static final long serialVersionUID = 1L;
        private final transient float[] values;
        private final String id;

        private InMemory(float[] values, String id) {
            this.values = values;
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public float[] values() {
            return values;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            throw new NotSerializableException("frozen parameters " + id + " are held in the driver's memory; they"
                    + " must travel as a broadcast (a bug: report it)");
        }

        @Override
        public String toString() {
            return id;
        }
    }
}

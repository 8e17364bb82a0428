package dev.sparkft.spark.executor;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparkft.eval.ConfusionMatrix;
import dev.sparkft.model.LossSum;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/**
 * What a partition sends back from an evaluation: its summed loss with its weight, and its confusion
 * matrix (null for a partition without examples, whose class count is unknown). {@link #merge} adds them.
 *
 * <p>Kryo (the trainer's serializer) cannot rebuild records or the matrix's immutable label list field by
 * field, so this class writes the loss as doubles and the matrix in Java serialization (a few hundred bytes).
 */
public final class ClassificationSum implements Serializable, KryoSerializable {
    private static final long serialVersionUID = 1L;

    private double loss;
    private double weight;
    private ConfusionMatrix matrix;

    public ClassificationSum(LossSum loss, ConfusionMatrix matrix) {
        this.loss = loss.loss();
        this.weight = loss.weight();
        this.matrix = matrix;
    }

    /** Adds {@code b} into {@code a} (both fresh task results) and returns {@code a}. */
    public static ClassificationSum merge(ClassificationSum a, ClassificationSum b) {
        a.loss += b.loss;
        a.weight += b.weight;
        if (a.matrix == null) {
            a.matrix = b.matrix;
        } else if (b.matrix != null) {
            a.matrix.merge(b.matrix);
        }
        return a;
    }

    public LossSum loss() {
        return new LossSum(loss, weight);
    }

    /** The merged counts, or null when no partition held an example. */
    public ConfusionMatrix matrix() {
        return matrix;
    }

    @Override
    public void write(Kryo kryo, Output output) {
        output.writeDouble(loss);
        output.writeDouble(weight);
        byte[] bytes = matrix == null ? new byte[0] : javaBytes(matrix);
        output.writeInt(bytes.length);
        output.writeBytes(bytes);
    }

    @Override
    public void read(Kryo kryo, Input input) {
        loss = input.readDouble();
        weight = input.readDouble();
        int length = input.readInt();
        matrix = length == 0 ? null : fromJavaBytes(input.readBytes(length));
    }

    private static byte[] javaBytes(ConfusionMatrix m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static ConfusionMatrix fromJavaBytes(byte[] b) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
            return (ConfusionMatrix) in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("executor and driver run different SparkFT builds", e);
        }
    }
}

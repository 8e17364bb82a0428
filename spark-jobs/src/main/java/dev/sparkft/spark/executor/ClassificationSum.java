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
 * What a partition sends back from an evaluation: its summed loss with its weight, its confusion matrix
 * (null for a partition without examples, whose class count is unknown) and, for a windowed text set, its
 * windows' {@link DocumentScores} (else null). {@link #merge} adds them.
 *
 * <p>Kryo (the trainer's serializer) cannot rebuild records or the matrix's immutable label list field by
 * field, so this class writes the loss as doubles and the rest in Java serialization (a few hundred bytes,
 * plus k doubles per document when windowed).
 */
public final class ClassificationSum implements Serializable, KryoSerializable {
    private static final long serialVersionUID = 1L;

    private double loss;
    private double weight;
    private ConfusionMatrix matrix;
    private DocumentScores documents;

    public ClassificationSum(LossSum loss, ConfusionMatrix matrix, DocumentScores documents) {
        this.loss = loss.loss();
        this.weight = loss.weight();
        this.matrix = matrix;
        this.documents = documents;
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
        if (a.documents == null) {
            a.documents = b.documents;
        } else if (b.documents != null) {
            a.documents.merge(b.documents);
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

    /** Per-document scores of a windowed set, or null. */
    public DocumentScores documents() {
        return documents;
    }

    @Override
    public void write(Kryo kryo, Output output) {
        output.writeDouble(loss);
        output.writeDouble(weight);
        for (Object part : new Object[] {matrix, documents}) {
            byte[] bytes = part == null ? new byte[0] : javaBytes(part);
            output.writeInt(bytes.length);
            output.writeBytes(bytes);
        }
    }

    @Override
    public void read(Kryo kryo, Input input) {
        loss = input.readDouble();
        weight = input.readDouble();
        int length = input.readInt();
        matrix = length == 0 ? null : (ConfusionMatrix) fromJavaBytes(input.readBytes(length));
        length = input.readInt();
        documents = length == 0 ? null : (DocumentScores) fromJavaBytes(input.readBytes(length));
    }

    private static byte[] javaBytes(Object m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Object fromJavaBytes(byte[] b) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
            return in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("executor and driver run different SparkFT builds", e);
        }
    }
}

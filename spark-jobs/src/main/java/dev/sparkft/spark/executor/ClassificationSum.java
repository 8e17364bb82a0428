package dev.sparkft.spark.executor;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparkft.eval.ConfusionMatrix;
import dev.sparkft.model.LossSum;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
 * plus k doubles per document when windowed). The driver reads those behind a filter ({@link ResultObjectInput}):
 * the bytes come from other machines.
 */
public final class ClassificationSum implements Serializable, KryoSerializable {
    private static final long serialVersionUID = 1L;
    /** Bytes of a part read at a time (see {@link #readPart}). */
    private static final int READ_CHUNK = 1 << 16;

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

    /** Reads what an executor wrote; its Java-serialized parts only through {@link ResultObjectInput}'s filter. */
    @Override
    public void read(Kryo kryo, Input input) {
        loss = input.readDouble();
        weight = input.readDouble();
        byte[] bytes = readPart(input, "confusion matrix");
        matrix = bytes.length == 0 ? null
                : ResultObjectInput.read(bytes, ConfusionMatrix.class, "an evaluation result's confusion matrix");
        bytes = readPart(input, "document scores");
        documents = bytes.length == 0 ? null
                : ResultObjectInput.read(bytes, DocumentScores.class, "an evaluation result's document scores");
    }

    /**
     * A length-prefixed part, read in chunks: Kryo's readBytes(n) allocates n bytes before reading, so a
     * corrupt length would allocate up to 2 GB; this way it fails when the data runs out.
     */
    private static byte[] readPart(Input input, String what) {
        int length = input.readInt();
        if (length < 0) {
            throw new IllegalStateException("an evaluation result from an executor has a " + what + " of " + length
                    + " bytes; executor and driver must run the same SparkFT build");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(length, READ_CHUNK));
        try {
            for (int left = length; left > 0; left -= READ_CHUNK) {
                out.writeBytes(input.readBytes(Math.min(left, READ_CHUNK)));
            }
        } catch (KryoException e) {
            throw new IllegalStateException("an evaluation result from an executor declares a " + what + " of "
                    + length + " bytes, more than it holds; executor and driver must run the same SparkFT build", e);
        }
        return out.toByteArray();
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
}

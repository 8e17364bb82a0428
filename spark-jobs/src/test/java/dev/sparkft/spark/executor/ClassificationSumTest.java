package dev.sparkft.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparkft.eval.ConfusionMatrix;
import dev.sparkft.model.LossSum;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * An evaluation result crosses from executor to driver through Spark's Kryo, with its matrix and document
 * scores as Java serialization inside. A real result round-trips; payloads crafted around the format are
 * refused with an IllegalStateException saying what was refused, before anything they name is built.
 */
class ClassificationSumTest {
    private static final ClassTag<ClassificationSum> TAG = ClassTag$.MODULE$.apply(ClassificationSum.class);

    @Test
    void resultsRoundTripThroughSparksKryo() {
        ConfusionMatrix matrix = new ConfusionMatrix(List.of("ham", "spam"));
        matrix.add(0, 0);
        matrix.add(1, 0);
        matrix.add(1, 1);
        DocumentScores documents = new DocumentScores("val.parquet");
        documents.add(300, 1, new float[] {0.5f, 2f}, 0, 2);
        documents.add(300, 1, new float[] {0f, 1f}, 0, 2);
        documents.add(7, 0, new float[] {3f, 0f}, 0, 2);
        SerializerInstance kryo = new KryoSerializer(new SparkConf()).newInstance();

        ClassificationSum back = kryo.deserialize(kryo.serialize(
                new ClassificationSum(new LossSum(2.5, 3), matrix, documents), TAG), TAG);
        assertEquals(new LossSum(2.5, 3), back.loss());
        assertEquals(List.of("ham", "spam"), back.matrix().labels());
        assertEquals(3, back.matrix().total());
        assertEquals(1, back.matrix().count(1, 0));
        assertEquals(2, back.documents().documents());
        assertEquals(3, back.documents().windows());
        ConfusionMatrix byDocument = back.documents().matrix(List.of("ham", "spam"));
        assertEquals(1, byDocument.count(1, 1));
        assertEquals(1, byDocument.count(0, 0));

        ClassificationSum empty = kryo.deserialize(kryo.serialize(new ClassificationSum(LossSum.ZERO, null, null), TAG), TAG);
        assertNull(empty.matrix());
        assertNull(empty.documents());
    }

    @Test
    void aDisallowedClassIsRefusedBeforeItIsBuilt() {
        // A HashMap where the matrix belongs (HashMap is allowed only inside the document scores).
        HashMap<String, long[]> map = new HashMap<>(Map.of("ham", new long[] {1}));
        assertEquals("refused an evaluation result's confusion matrix from an executor: its payload holds class"
                + " java.util.HashMap where a ConfusionMatrix was expected. Executor and driver must run the same"
                + " SparkFT build; SparkFT does not write such payloads",
                refusal(payload(javaBytes(map), new byte[0])));

        // A class outside the allow-list inside a real matrix: its readObject must never run.
        ConfusionMatrix matrix = new ConfusionMatrix(List.of("a", "b"));
        setField(matrix, ConfusionMatrix.class, "labels", new GadgetList(List.of("a", "b")));
        GadgetList.readObjectRan = false;
        String message = refusal(payload(javaBytes(matrix), new byte[0]));
        assertTrue(message.contains("holds class " + GadgetList.class.getName() + " at depth 2, which is not among"
                + " the classes a ConfusionMatrix is read with"), message);
        assertFalse(GadgetList.readObjectRan, "the refused class's readObject ran");

        // Document scores in the matrix's place, and the other way round.
        DocumentScores documents = new DocumentScores("val.parquet");
        assertTrue(refusal(payload(javaBytes(documents), new byte[0])).contains("holds class "
                + DocumentScores.class.getName() + " where a ConfusionMatrix was expected"));
        assertTrue(refusal(payload(new byte[0], javaBytes(new ConfusionMatrix(List.of("a"))))).contains("holds class "
                + ConfusionMatrix.class.getName() + " where a DocumentScores was expected"));
    }

    @Test
    void anAbsurdArrayLengthIsRefusedBeforeAllocating() {
        // The matrix's first row claims 2^31 - 16 longs (16 GB) in a payload of a few hundred bytes.
        byte[] bytes = javaBytes(new ConfusionMatrix(List.of("a", "b")));
        int at = lengthOfFirstLongArray(bytes);
        ByteBuffer.wrap(bytes).putInt(at, Integer.MAX_VALUE - 15);
        String message = refusal(payload(bytes, new byte[0]));
        assertTrue(message.contains("holds an array of " + (Integer.MAX_VALUE - 15) + " elements in " + bytes.length
                + " bytes"), message);
    }

    @Test
    void nestingBeyondTheDepthLimitIsRefused() {
        Map<Object, Object> nested = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            nested = new HashMap<>(Map.of(i, nested));
        }
        DocumentScores documents = new DocumentScores("val.parquet");
        setField(documents, DocumentScores.class, "probabilitySums", nested);
        String message = refusal(payload(new byte[0], javaBytes(documents)));
        assertTrue(message.contains("holds objects nested " + (ResultObjectInput.MAX_DEPTH + 1) + " deep (at most "
                + ResultObjectInput.MAX_DEPTH + ")"), message);
    }

    @Test
    void aCorruptPartLengthFailsWhenTheDataEndsInsteadOfAllocatingIt() {
        Output out = new Output(64);
        out.writeDouble(1);
        out.writeDouble(1);
        out.writeInt(Integer.MAX_VALUE); // a 2 GB matrix, followed by 16 bytes
        out.writeBytes(new byte[16]);
        assertEquals("an evaluation result from an executor declares a confusion matrix of " + Integer.MAX_VALUE
                + " bytes, more than it holds; executor and driver must run the same SparkFT build",
                refusal(out.toBytes()));
    }

    /** The Kryo form ClassificationSum writes: loss, weight, then each part as a length and its bytes. */
    private static byte[] payload(byte[] matrix, byte[] documents) {
        Output out = new Output(256, -1);
        out.writeDouble(1);
        out.writeDouble(2);
        for (byte[] part : new byte[][] {matrix, documents}) {
            out.writeInt(part.length);
            out.writeBytes(part);
        }
        return out.toBytes();
    }

    private static String refusal(byte[] kryoBytes) {
        ClassificationSum target = new ClassificationSum(LossSum.ZERO, null, null);
        return assertThrows(IllegalStateException.class, () -> target.read(new Kryo(), new Input(kryoBytes)))
                .getMessage();
    }

    private static byte[] javaBytes(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Where the length of the first {@code long[]} sits: after its class descriptor, i.e. the name "[J" (with
     * its 2-byte length), the 8-byte serialVersionUID, flags, field count, end-of-block and null superclass.
     */
    private static int lengthOfFirstLongArray(byte[] bytes) {
        for (int i = 0; i + 4 < bytes.length; i++) {
            if (bytes[i] == 0 && bytes[i + 1] == 2 && bytes[i + 2] == '[' && bytes[i + 3] == 'J') {
                int at = i + 4 + 8 + 1 + 2 + 1 + 1;
                assertEquals(2, ByteBuffer.wrap(bytes).getInt(at), "the row length of a 2-class matrix");
                return at;
            }
        }
        throw new AssertionError("no long[] in the serialized matrix");
    }

    private static void setField(Object target, Class<?> owner, String name, Object value) {
        try {
            java.lang.reflect.Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            field.set(target, value);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Stands for a deserialization gadget: a serializable class whose readObject does something. */
    static final class GadgetList extends ArrayList<String> {
        private static final long serialVersionUID = 1L;
        static volatile boolean readObjectRan;

        GadgetList(List<String> values) {
            super(values);
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            readObjectRan = true;
            in.defaultReadObject();
        }
    }
}

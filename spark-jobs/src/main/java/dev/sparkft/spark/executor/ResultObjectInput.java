package dev.sparkft.spark.executor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;

/**
 * Reads the Java-serialized parts of an executor's result ({@link ClassificationSum}) on the driver. The bytes
 * arrive over the network, and a bare ObjectInputStream builds any serializable class a payload names (running
 * its readObject: deserialization gadgets) and sizes arrays from lengths in the payload. So an
 * {@link ObjectInputFilter} allows only:
 * <ul>
 *   <li>at the top, the one class expected ({@code ConfusionMatrix} or {@code DocumentScores});</li>
 *   <li>below it, the JDK classes those hold: {@code List.copyOf}'s serial form (the matrix's labels),
 *       {@code HashMap} and {@code Integer} (the scores' maps), and arrays of primitives;</li>
 *   <li>at most {@link #MAX_DEPTH} levels of nesting, and no array longer, and no more references, than the
 *       payload has bytes (a real one spends at least a byte on each).</li>
 * </ul>
 * A new field of another type in those classes has to be added here, or its results are refused.
 */
final class ResultObjectInput {
    /**
     * A real payload's filter checks go 4 deep (scores, map, Integer, Integer's superclass); the rest is
     * margin for harmless changes.
     */
    static final int MAX_DEPTH = 8;

    /** Allowed below the top, by name: {@code java.util.CollSer} is not public. */
    private static final Set<String> NESTED = Set.of(
            "java.util.CollSer",    // what List.copyOf (ImmutableCollections) writes, and the two lists
            "java.util.ImmutableCollections$List12",  // its readResolve returns (the filter checks those too)
            "java.util.ImmutableCollections$ListN",
            "java.util.HashMap",
            "java.lang.Integer",
            "java.lang.Number");    // Integer's serializable superclass: its descriptor is checked too
    /**
     * Array element types allowed besides primitives: CollSer and HashMap create an Object[] and a
     * Map.Entry[] of a length read from the stream, and ask the filter first.
     */
    private static final Set<Class<?>> ARRAY_ELEMENTS = Set.of(Object.class, Map.Entry.class);

    private ResultObjectInput() {
    }

    /**
     * The object in {@code bytes}, which must be a {@code type}; {@code what} names the result in errors.
     * Refused payloads fail with an IllegalStateException saying what was refused.
     */
    static <T> T read(byte[] bytes, Class<T> type, String what) {
        Filter filter = new Filter(type, bytes.length);
        Object value;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(filter);
            value = in.readObject();
        } catch (InvalidClassException e) {
            if (filter.refusal != null) {
                throw refused(what, filter.refusal, e);
            }
            throw new IllegalStateException(what + ": " + e.getMessage()
                    + "; executor and driver run different SparkFT builds", e);
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": cannot read the " + type.getSimpleName() + " an executor sent", e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(what + ": executor and driver run different SparkFT builds", e);
        }
        if (!type.isInstance(value)) { // a null or an allowed array at the top
            throw refused(what, (value == null ? "a null" : "a " + value.getClass().getName()) + " where a "
                    + type.getSimpleName() + " was expected", null);
        }
        return type.cast(value);
    }

    private static IllegalStateException refused(String what, String refusal, Exception cause) {
        return new IllegalStateException("refused " + what + " from an executor: its payload holds " + refusal
                + ". Executor and driver must run the same SparkFT build; SparkFT does not write such payloads", cause);
    }

    /** The filter of one payload; it remembers why it refused, for the error. */
    private static final class Filter implements ObjectInputFilter {
        private final Class<?> top;
        private final long payloadBytes;
        String refusal;

        Filter(Class<?> top, long payloadBytes) {
            this.top = top;
            this.payloadBytes = payloadBytes;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            if (info.depth() > MAX_DEPTH) {
                return refuse("objects nested " + info.depth() + " deep (at most " + MAX_DEPTH + ")");
            }
            if (info.arrayLength() > payloadBytes) {
                return refuse("an array of " + info.arrayLength() + " elements in " + payloadBytes + " bytes");
            }
            if (info.references() > payloadBytes) {
                return refuse(info.references() + " references in " + payloadBytes + " bytes");
            }
            Class<?> c = info.serialClass();
            if (c == null) {
                return Status.ALLOWED; // a limits-only check, passed above
            }
            if (c.isArray()) {
                Class<?> element = c;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                return element.isPrimitive() || ARRAY_ELEMENTS.contains(element) ? Status.ALLOWED
                        : refuse("an array of class " + element.getName());
            }
            if (info.depth() == 1) {
                return c == top ? Status.ALLOWED
                        : refuse("class " + c.getName() + " where a " + top.getSimpleName() + " was expected");
            }
            return NESTED.contains(c.getName()) ? Status.ALLOWED : refuse("class " + c.getName() + " at depth "
                    + info.depth() + ", which is not among the classes a " + top.getSimpleName() + " is read with");
        }

        private Status refuse(String why) {
            if (refusal == null) {
                refusal = why;
            }
            return Status.REJECTED;
        }
    }
}

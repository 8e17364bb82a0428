package dev.sparkft.hf;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.model.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header mapping
 * tensor names to {@code dtype}, {@code shape} and {@code data_offsets} (plus an optional string map
 * {@code __metadata__}), then the raw little-endian data. Reads memory-map the file and validate it fully
 * (the data section must be covered exactly once); writes go to a temporary file renamed into place.
 */
public final class SafeTensors {

    /** Element types this reader decodes; F32, F16 and BF16 become floats, I32 and I64 ints. */
    public enum Dtype {
        F32(4), F16(2), BF16(2), I32(4), I64(8);

        private final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }

        boolean isFloat() {
            return this == F32 || this == F16 || this == BF16;
        }
    }

    /** The reference implementation's limit; a larger header means a corrupt or hostile file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA_KEY = "__metadata__";
    private static final int MAP_CHUNK_BYTES = 1 << 30;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SafeTensors() {
    }

    /** All tensors of {@code file}, in the header's order. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(channel, file);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry entry : header.entries()) {
                tensors.put(entry.name(), decode(channel, header.dataStart(), entry, file));
            }
            return tensors;
        }
    }

    /** Every tensor's shape, from the header only (no tensor data is read), in the header's order. */
    public static Map<String, long[]> readShapes(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Entry entry : readHeader(channel, file).entries()) {
                shapes.put(entry.name(), entry.shape().clone());
            }
            return shapes;
        }
    }

    /** The {@code __metadata__} map of {@code file} (empty if it has none). */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(channel, file).metadata();
        }
    }

    /**
     * Writes float tensors as {@code dtype} (F32, F16 or BF16; narrowing rounds to nearest even) to a
     * temporary file in the target's folder, then renames it over {@code file}. On failure the temporary
     * file is deleted and an existing {@code file} is left as it was.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, Dtype dtype)
            throws IOException {
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException("safetensors writer takes F32, F16 or BF16, not " + dtype);
        }
        byte[] header = encodeHeader(file, tensors, metadata, dtype);
        Path absolute = file.toAbsolutePath();
        Path temporary = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
                writeFully(channel, length.flip());
                writeFully(channel, ByteBuffer.wrap(header));
                ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor tensor : tensors.values()) {
                    for (float value : tensor.floats()) {
                        if (chunk.remaining() < dtype.bytes()) {
                            writeFully(channel, chunk.flip());
                            chunk.clear();
                        }
                        encode(value, dtype, chunk);
                    }
                }
                writeFully(channel, chunk.flip());
                channel.force(true);
            }
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    private static byte[] encodeHeader(Path file, Map<String, Tensor> tensors, Map<String, String> metadata,
                                       Dtype dtype) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor tensor = e.getValue();
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException(file + ": '" + METADATA_KEY + "' cannot name a tensor");
            }
            if (!tensor.isFloat()) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' holds ints; "
                        + "only float tensors are written");
            }
            long bytes = (long) tensor.floats().length * dtype.bytes();
            ObjectNode entry = root.putObject(name);
            entry.put("dtype", dtype.name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : tensor.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode safetensors header for " + file, e);
        }
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void encode(float value, Dtype dtype, ByteBuffer out) {
        switch (dtype) {
            case F32 -> out.putFloat(value);
            case F16 -> out.putShort(HalfFloats.floatToF16(value));
            case BF16 -> out.putShort(HalfFloats.floatToBf16(value));
            default -> throw new IllegalArgumentException("cannot write " + dtype);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
    }

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
    }

    private static Header readHeader(FileChannel channel, Path file) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw invalid(file, "is " + fileSize + " bytes, too short for the 8-byte header length (truncated?)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0, file);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw invalid(file, "declares a header of " + headerLength + " bytes (allowed: 2 to "
                    + MAX_HEADER_BYTES + "); not a safetensors file or corrupt");
        }
        if (8 + headerLength > fileSize) {
            throw invalid(file, "declares a header of " + headerLength + " bytes but the file has only "
                    + (fileSize - 8) + " after the length (truncated?)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8, file);
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw invalid(file, "has a header that is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid(file, "has a header that is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(readEntry(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        checkCoverage(file, entries, dataSize);
        return new Header(List.copyOf(entries), metadata, dataStart);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw invalid(file, "has a " + METADATA_KEY + " that is not a JSON object");
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw invalid(file, "has " + METADATA_KEY + " value '" + e.getKey() + "' that is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        });
    }

    private static Entry readEntry(Path file, String name, JsonNode node, long dataSize) {
        String where = "tensor '" + name + "'";
        if (!node.isObject() || !node.has("dtype") || !node.has("shape") || !node.has("data_offsets")) {
            throw invalid(file, where + " needs an object with dtype, shape and data_offsets, found " + node);
        }
        String dtypeName = node.get("dtype").asText();
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw invalid(file, where + " has dtype '" + dtypeName + "'; supported: "
                    + Arrays.toString(Dtype.values()) + " (convert the checkpoint to float32 first)");
        }
        long[] shape = nonNegativeLongs(file, where + " shape", node.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, where + " data_offsets", node.get("data_offsets"), 2);
        long elements = 1;
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
        } catch (ArithmeticException e) {
            elements = Long.MAX_VALUE;
        }
        if (elements > Integer.MAX_VALUE - 8) {
            throw invalid(file, where + " has " + elements + " elements, more than a Java array holds");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw invalid(file, where + " has data_offsets [" + begin + ", " + end + "] outside the data section of "
                    + dataSize + " bytes (truncated file or corrupt header)");
        }
        if (end - begin != elements * dtype.bytes()) {
            throw invalid(file, where + " has " + (end - begin) + " bytes of data but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + elements * dtype.bytes());
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] nonNegativeLongs(Path file, String what, JsonNode node, int expectedLength) {
        if (!node.isArray() || (expectedLength >= 0 && node.size() != expectedLength)) {
            throw invalid(file, what + " must be an array" + (expectedLength >= 0 ? " of " + expectedLength : "")
                    + " of non-negative integers, found " + node);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.longValue() < 0) {
                throw invalid(file, what + " must hold non-negative integers, found " + node);
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** Tensors must tile the data section: no overlaps, no gaps, nothing after the last one. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataSize) {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin() < expected) {
                throw invalid(file, "tensor '" + e.name() + "' data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
            }
            if (e.begin() > expected) {
                throw invalid(file, "has " + (e.begin() - expected) + " unused bytes before tensor '" + e.name()
                        + "' at offset " + expected);
            }
            expected = e.end();
            previous = e;
        }
        if (expected != dataSize) {
            throw invalid(file, "has " + (dataSize - expected) + " bytes after the last tensor's data");
        }
    }

    private static Tensor decode(FileChannel channel, long dataStart, Entry entry, Path file) throws IOException {
        int count = Math.toIntExact((entry.end() - entry.begin()) / entry.dtype().bytes());
        float[] floats = entry.dtype().isFloat() ? new float[count] : null;
        int[] ints = floats == null ? new int[count] : null;
        int done = 0;
        // Map in chunks: one mapping cannot exceed 2 GB; a chunk holds whole elements.
        long chunkElements = MAP_CHUNK_BYTES / entry.dtype().bytes();
        while (done < count) {
            int n = (int) Math.min(chunkElements, count - done);
            long position = dataStart + entry.begin() + (long) done * entry.dtype().bytes();
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, position, (long) n * entry.dtype().bytes());
            ByteBuffer data = mapped.order(ByteOrder.LITTLE_ENDIAN);
            switch (entry.dtype()) {
                case F32 -> data.asFloatBuffer().get(floats, done, n);
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        floats[done + i] = HalfFloats.f16ToFloat(data.getShort());
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < n; i++) {
                        floats[done + i] = HalfFloats.bf16ToFloat(data.getShort());
                    }
                }
                case I32 -> data.asIntBuffer().get(ints, done, n);
                case I64 -> {
                    for (int i = 0; i < n; i++) {
                        long v = data.getLong();
                        if (v != (int) v) {
                            throw invalid(file, "tensor '" + entry.name() + "' (I64) holds " + v
                                    + ", outside the int range this reader supports");
                        }
                        ints[done + i] = (int) v;
                    }
                }
            }
            done += n;
        }
        return floats != null ? Tensor.ofFloats(floats, entry.shape()) : Tensor.ofInts(ints, entry.shape());
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw invalid(file, "ended early at byte " + at + " (truncated?)");
            }
            at += n;
        }
    }

    private static IllegalArgumentException invalid(Path file, String problem) {
        return new IllegalArgumentException("safetensors file " + file + " " + problem);
    }
}

package dev.sparkft.hf;

import dev.sparkft.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void f32RoundTripIsBitExactIncludingSpecialValues() throws IOException {
        Random random = new Random(1);
        float[] a = new float[1000];
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.intBitsToFloat(random.nextInt()); // any pattern: NaN payloads, subnormals, infinities
        }
        float[] b = {0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY};
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z.first", Tensor.ofFloats(a, 10, 20, 5));
        tensors.put("a.second", Tensor.ofFloats(b, 6));
        tensors.put("empty", Tensor.ofFloats(new float[0], 0, 4));
        Path file = dir.resolve("f32.safetensors");
        SafeTensors.write(file, tensors, Map.of("format", "pt"), SafeTensors.Dtype.F32);

        Map<String, Tensor> back = SafeTensors.read(file);
        assertEquals(List.of("z.first", "a.second", "empty"), List.copyOf(back.keySet()), "insertion order kept");
        for (String key : tensors.keySet()) {
            assertArrayEquals(tensors.get(key).shape(), back.get(key).shape(), key);
            assertArrayEquals(rawBits(tensors.get(key).floats()), rawBits(back.get(key).floats()), key);
        }
        assertEquals(Map.of("format", "pt"), SafeTensors.readMetadata(file));
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "data section 8-byte aligned");
        assertEquals(8 + headerLength + 4L * (a.length + b.length), Files.size(file));
    }

    @Test
    void halfPrecisionRoundTripsAreBitExact() throws IOException {
        for (SafeTensors.Dtype dtype : List.of(SafeTensors.Dtype.F16, SafeTensors.Dtype.BF16)) {
            // Every 16-bit pattern, decoded independently of the writer, must be written back unchanged.
            short[] patterns = new short[0x10000];
            float[] values = new float[patterns.length];
            for (int i = 0; i < patterns.length; i++) {
                patterns[i] = (short) i;
                values[i] = dtype == SafeTensors.Dtype.F16 ? HalfFloats.f16ToFloat((short) i) : HalfFloats.bf16ToFloat((short) i);
            }
            Path file = dir.resolve(dtype + ".safetensors");
            SafeTensors.write(file, Map.of("all", Tensor.ofFloats(values, 256, 256)), Map.of(), dtype);

            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
            assertTrue(header.contains("\"dtype\":\"" + dtype + "\""), header);
            short[] written = new short[patterns.length];
            ByteBuffer.wrap(bytes, (int) (8 + headerLength), 2 * patterns.length).order(ByteOrder.LITTLE_ENDIAN)
                    .asShortBuffer().get(written);
            assertArrayEquals(patterns, written, dtype + " bytes on disk");
            assertArrayEquals(rawBits(values), rawBits(SafeTensors.read(file).get("all").floats()), dtype + " read back");
        }
    }

    @Test
    void narrowingRoundsToNearestEven() throws IOException {
        Path file = dir.resolve("narrow.safetensors");
        SafeTensors.write(file, Map.of("x", Tensor.ofFloats(new float[] {1f / 3f, (float) Math.PI}, 2)), Map.of(),
                SafeTensors.Dtype.BF16);
        // 1/3 = 0x3EAAAAAB -> 0x3EAB (low half 0xAAAB > 0x8000 rounds up); pi = 0x40490FDB -> 0x4049.
        assertArrayEquals(new float[] {Float.intBitsToFloat(0x3EAB0000), Float.intBitsToFloat(0x40490000)},
                SafeTensors.read(file).get("x").floats());
    }

    @Test
    void readsAFileWrittenByThePythonLibrary() throws IOException, URISyntaxException {
        Path file = Path.of(getClass().getResource("python-written.safetensors").toURI());
        Map<String, Tensor> t = SafeTensors.read(file);
        assertArrayEquals(new long[] {2, 3}, t.get("f32").shape());
        assertArrayEquals(rawBits(new float[] {1.5f, -2.25f, 0f, Float.MAX_VALUE, Float.MIN_VALUE, -0f}),
                rawBits(t.get("f32").floats()));
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f}, t.get("f16").floats());
        assertArrayEquals(new float[] {1f, -3.140625f, Float.POSITIVE_INFINITY}, t.get("bf16").floats());
        assertArrayEquals(new int[] {0, 1, 2, 3}, t.get("embeddings.position_ids").ints());
        assertArrayEquals(new long[] {1, 4}, t.get("embeddings.position_ids").shape());
        assertEquals(Map.of("format", "pt", "note", "SparkFT fixture"), SafeTensors.readMetadata(file));
    }

    @Test
    void malformedFilesAreRejectedNamingFileAndTensor() throws IOException {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertEquals(2, SafeTensors.read(file("valid", ok, 12)).size());

        assertRejected(file("truncated", ok, 10), "'b'", "outside the data section");
        assertRejected(file("badjson", "{\"a\":{\"dtype\":\"F32\",", 0), "not valid JSON");
        assertRejected(file("trailing", "{} {}", 0), "not valid JSON");
        assertRejected(file("array", "[1,2]", 0), "not a JSON object");
        assertRejected(file("dtype", ok.replace("\"F32\",\"shape\":[1]", "\"F8_E4M3\",\"shape\":[1]"), 12),
                "'b'", "dtype 'F8_E4M3'");
        assertRejected(file("overlap", ok.replace("[8,12]", "[4,8]"), 12), "'b'", "overlap tensor 'a'");
        assertRejected(file("reversed", ok.replace("[8,12]", "[12,8]"), 12), "'b'", "[12, 8]");
        assertRejected(file("gap", ok.replace("[8,12]", "[12,16]"), 16), "unused bytes");
        assertRejected(file("tail", ok, 16), "4 bytes after the last tensor");
        assertRejected(file("size", ok.replace("\"shape\":[1]", "\"shape\":[3]"), 12), "'b'", "needs 12");
        assertRejected(file("negative", ok.replace("\"shape\":[1]", "\"shape\":[-1]"), 12), "'b'", "non-negative");
        assertRejected(file("duplicate", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0), "not valid JSON", "'a'");
        assertRejected(file("metadata", "{\"__metadata__\":{\"n\":1}}", 0), "'n'", "not a string");

        Path tooLong = dir.resolve("toolong.safetensors");
        Files.write(tooLong, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SafeTensors.MAX_HEADER_BYTES + 1).array());
        assertRejected(tooLong, "header of 100000001 bytes");
        Path shortHeader = dir.resolve("shortheader.safetensors");
        Files.write(shortHeader, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertRejected(shortHeader, "only 8 after the length");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertRejected(tiny, "too short");
    }

    @Test
    void failedWriteLeavesNoPartialFileAndKeepsTheOldOne() throws IOException {
        Path file = dir.resolve("weights.safetensors");
        Map<String, Tensor> old = Map.of("w", Tensor.ofFloats(new float[] {1, 2, 3}, 3));
        SafeTensors.write(file, old, Map.of(), SafeTensors.Dtype.F32);
        byte[] before = Files.readAllBytes(file);

        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("w", Tensor.ofFloats(new float[] {4, 5, 6}, 3));
        bad.put("ids", Tensor.ofInts(new int[] {1}, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(file, bad, Map.of(), SafeTensors.Dtype.F32));
        assertTrue(e.getMessage().contains("'ids'"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "old file untouched");

        // The rename itself fails (the target is a non-empty folder) after all data was written.
        Path blocked = dir.resolve("blocked");
        Files.createDirectories(blocked.resolve("inside"));
        assertThrows(IOException.class, () -> SafeTensors.write(blocked, old, Map.of(), SafeTensors.Dtype.F32));
        assertTrue(Files.isDirectory(blocked.resolve("inside")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("blocked", "weights.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        }
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path file = dir.resolve(name + ".safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static void assertRejected(Path file, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(file),
                file.toString());
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
        }
    }

    private static int[] rawBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}

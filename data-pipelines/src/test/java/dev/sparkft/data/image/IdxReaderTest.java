package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader on a real slice of Fashion-MNIST (the first 500 items of t10k, cut with Python from the Debian
 * package's files) and on corrupted copies of it. Expected values were computed by Python from the same bytes.
 */
class IdxReaderTest {
    static final Path IMAGES = resource("fashion-mnist/t10k-first500-images-idx3-ubyte.gz");
    static final Path LABELS = resource("fashion-mnist/t10k-first500-labels-idx1-ubyte.gz");

    @TempDir
    Path tmp;

    @Test
    void readsTheRealGzippedSlice() {
        LabelledImages set = LabelledImages.read(IMAGES, LABELS);
        assertEquals(500, set.count());
        assertEquals(28, set.rows());
        assertEquals(28, set.cols());
        assertEquals(784, set.images().itemSize());
        // Python: sum(img[16:16+784]) == 33456, label 9 (ankle boot); item 499: 70958, label 0
        assertEquals(33456, pixelSum(set.images().item(0)));
        assertEquals(9, set.labels().unsignedAt(0));
        assertEquals(70958, pixelSum(set.images().item(499)));
        assertEquals(0, set.labels().unsignedAt(499));
        int[] perClass = new int[10];
        for (int i = 0; i < set.count(); i++) {
            perClass[set.labels().unsignedAt(i)]++;
        }
        assertArrayEquals(new int[] {55, 52, 65, 46, 57, 39, 47, 47, 44, 48}, perClass);
    }

    @Test
    void readsUncompressedFilesToTheSameBytes() throws IOException {
        Path plain = write("plain-images", gunzip(IMAGES));
        IdxArray a = IdxReader.readImages(plain);
        IdxArray b = IdxReader.readImages(IMAGES);
        assertArrayEquals(b.dims(), a.dims());
        assertArrayEquals(b.data(), a.data());
    }

    @Test
    void badMagicNamesTheFile() throws IOException {
        byte[] raw = gunzip(IMAGES);
        raw[2] = 0x0d; // element type: float instead of unsigned byte
        Path bad = write("bad-magic-images", raw);
        String msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(bad)).getMessage();
        assertTrue(msg.startsWith(bad.toString()), msg);
        assertTrue(msg.contains("bad magic number 0x00000d03, expected 0x00000803"), msg);
        assertTrue(msg.contains("not unsigned byte"), msg);

        Path notIdx = write("readme.txt", "hello, not an IDX file".getBytes(StandardCharsets.US_ASCII));
        msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readLabels(notIdx)).getMessage();
        assertTrue(msg.contains(notIdx + ": bad magic number") && msg.contains("not an IDX file"), msg);
    }

    @Test
    void swappedFilesAreNamedAsSuch() {
        String msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(LABELS)).getMessage();
        assertTrue(msg.startsWith(LABELS.toString()) && msg.contains("found a labels file"), msg);
    }

    @Test
    void truncatedDataSaysHowMuchIsMissing() throws IOException {
        byte[] raw = gunzip(IMAGES);
        Path cut = write("cut-images", Arrays.copyOf(raw, raw.length - 100));
        String msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(cut)).getMessage();
        assertTrue(msg.startsWith(cut + ": truncated"), msg);
        assertTrue(msg.contains("500x28x28 = 392000 bytes") && msg.contains("only 391900"), msg);

        Path header = write("cut-header", Arrays.copyOf(raw, 10));
        msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(header)).getMessage();
        assertTrue(msg.contains(header + ": truncated header") && msg.contains("dimension 1"), msg);
    }

    @Test
    void truncatedGzipStreamNamesTheFile() throws IOException {
        byte[] gz = Files.readAllBytes(IMAGES);
        Path cut = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        String msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(cut)).getMessage();
        assertTrue(msg.startsWith(cut.toString()) && msg.contains("download the file again"), msg);
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        byte[] raw = gunzip(LABELS);
        Path longer = write("long-labels", Arrays.copyOf(raw, raw.length + 3));
        String msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readLabels(longer)).getMessage();
        assertTrue(msg.startsWith(longer + ": unexpected bytes after the 500"), msg);
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        byte[] raw = gunzip(LABELS);
        raw[6] = 0;
        raw[7] = (byte) 200; // header says 200 labels ...
        Path fewer = write("fewer-labels", Arrays.copyOf(raw, 8 + 200)); // ... and holds 200
        String msg = assertThrows(IllegalArgumentException.class, () -> LabelledImages.read(IMAGES, fewer))
                .getMessage();
        assertTrue(msg.contains(IMAGES + " holds 500 images") && msg.contains(fewer + " holds 200 labels"), msg);
    }

    @Test
    void missingFileIsNamed() {
        Path none = tmp.resolve("nope-idx3-ubyte");
        String msg = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(none)).getMessage();
        assertEquals(none + ": no such images file", msg);
    }

    static Path resource(String name) {
        try {
            return Path.of(IdxReaderTest.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] gunzip(Path gz) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private static long pixelSum(byte[] pixels) {
        long s = 0;
        for (byte p : pixels) {
            s += p & 0xff;
        }
        return s;
    }
}

package dev.sparkft.data.image;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX ubyte files (the MNIST / Fashion-MNIST format): magic {@code 0x00000801} for a vector of labels,
 * {@code 0x00000803} for images {@code [count, rows, cols]}, then one big-endian int per dimension, then the
 * bytes. Gzipped files are recognised by their content, not their name. Every error names the file.
 */
public final class IdxReader {
    static final int LABELS_MAGIC = 0x00000801;
    static final int IMAGES_MAGIC = 0x00000803;
    private static final int GZIP_MAGIC = 0x1f8b;

    private IdxReader() {
    }

    /** A labels file: one unsigned byte per item. */
    public static IdxArray readLabels(Path file) {
        return read(file, LABELS_MAGIC, "labels");
    }

    /** An images file: {@code rows * cols} unsigned bytes per item, row-major. */
    public static IdxArray readImages(Path file) {
        return read(file, IMAGES_MAGIC, "images");
    }

    private static IdxArray read(Path file, int expectedMagic, String kind) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such " + kind + " file");
        }
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic = readHeaderInt(in, file, "magic number");
            if (magic != expectedMagic) {
                throw new IllegalArgumentException(file + ": bad magic number " + hex(magic) + ", expected "
                        + hex(expectedMagic) + " for IDX ubyte " + kind + describe(magic));
            }
            int[] dims = new int[expectedMagic & 0xff];
            long total = 1;
            for (int d = 0; d < dims.length; d++) {
                dims[d] = readHeaderInt(in, file, "dimension " + d);
                if (dims[d] < 0) {
                    throw new IllegalArgumentException(file + ": dimension " + d + " is negative (" + dims[d]
                            + "); the header is corrupt");
                }
                total *= dims[d];
                if (total > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException(file + ": header declares more than 2^31 bytes of data;"
                            + " the header is corrupt or the file too large for this reader");
                }
            }
            byte[] data = in.readNBytes((int) total);
            if (data.length < total) {
                throw new IllegalArgumentException(file + ": truncated: header declares "
                        + (dims.length > 1 ? dimsText(dims) + " = " : "") + total + " bytes of " + kind
                        + ", file holds only " + data.length);
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException(file + ": unexpected bytes after the " + total
                        + " declared by the header " + dimsText(dims) + "; the file is corrupt");
            }
            return new IdxArray(file.toString(), dims, data);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": truncated gzip stream (" + e.getMessage()
                    + "); download the file again", e);
        } catch (ZipException e) {
            throw new IllegalArgumentException(file + ": corrupt gzip stream (" + e.getMessage()
                    + "); download the file again", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return ((b0 << 8) | b1) == GZIP_MAGIC ? new GZIPInputStream(raw, 1 << 16) : raw;
    }

    private static int readHeaderInt(DataInputStream in, Path file, String what) throws IOException {
        byte[] b = in.readNBytes(4);
        if (b.length < 4) {
            throw new IllegalArgumentException(file + ": truncated header: the file ends before the " + what);
        }
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    private static String describe(int magic) {
        if (magic == LABELS_MAGIC) {
            return " (found a labels file: were images and labels swapped?)";
        }
        if (magic == IMAGES_MAGIC) {
            return " (found an images file: were images and labels swapped?)";
        }
        if ((magic >>> 16) == 0 && ((magic >>> 8) & 0xff) != 0x08) {
            return " (element type " + hex((magic >>> 8) & 0xff) + " is not unsigned byte 0x08)";
        }
        return " (not an IDX file)";
    }

    private static String dimsText(int[] dims) {
        StringBuilder s = new StringBuilder();
        for (int d = 0; d < dims.length; d++) {
            s.append(d == 0 ? "" : "x").append(dims[d]);
        }
        return s.toString();
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }
}

package dev.sparkft.data.dataset;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way data preparation writes output that a later job reads: everything goes to a hidden temporary
 * sibling ({@code .NAME.tmp-UUID}, which Spark and Hadoop skip when listing data) and is renamed into place only
 * once complete, so a reader never sees a half-written folder or file under the real name. On failure the
 * temporary sibling is deleted and the target is left as it was.
 *
 * <p>Folders ({@link #writeDirectory}) are new outputs: an existing target is refused, never replaced. Small
 * files ({@link #writeFile}) replace an existing one (the rename overwrites it in one step).
 */
public final class AtomicOutput {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicOutput.class);

    /** Writes a file's bytes; may throw {@link IOException}. */
    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    private AtomicOutput() {
    }

    /** Fails naming {@code target} if it exists (call before any expensive work). */
    public static void requireAbsent(Path target, Configuration conf) {
        try {
            if (target.getFileSystem(conf).exists(target)) {
                throw new IllegalArgumentException("output " + target + " already exists; delete it or choose another"
                        + " path");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + target + ": " + e.getMessage(), e);
        }
    }

    /** A hidden sibling of {@code target} for its temporary copy, unique to this call. */
    public static Path temporarySibling(Path target) {
        return new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    }

    /**
     * Runs {@code writer} on a fresh temporary folder next to {@code target}, then renames that folder to
     * {@code target}. {@code target} must not exist, before or after the writer runs.
     */
    public static void writeDirectory(Path target, Configuration conf, Consumer<Path> writer) {
        FileSystem fs = fileSystem(target, conf);
        Path tmp = temporarySibling(target);
        try {
            requireAbsent(target, conf);
            writer.accept(tmp);
            requireAbsent(target, conf);  // another job may have written it meanwhile: never replace
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(fs, tmp);
        }
    }

    /** Writes {@code target} through a temporary sibling file, replacing any file already there. */
    public static void writeFile(Path target, Configuration conf, StreamWriter writer) {
        FileSystem fs = fileSystem(target, conf);
        if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
            // Hadoop's local rename refuses an existing target (and falls back to copying): go through the JDK.
            writeFile(java.nio.file.Path.of(fs.makeQualified(target).toUri()), writer);
            return;
        }
        Path tmp = temporarySibling(target);
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                writer.write(out);
                out.hsync();
            }
            FileContext.getFileContext(fs.getUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(fs, tmp);
        }
    }

    /**
     * The same for a file on the local disk: written and synced under a temporary sibling name, then renamed over
     * {@code target} with rename(2), which replaces it atomically. No Hadoop {@code .crc} sidecar is written (the
     * rename would leave one stale).
     */
    public static void writeFile(java.nio.file.Path target, StreamWriter writer) {
        java.nio.file.Path file = target.toAbsolutePath();
        java.nio.file.Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(ch)) {
                writer.write(out);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                LOG.warn("could not delete temporary file {}: {}", tmp, e.toString());
            }
        }
    }

    private static FileSystem fileSystem(Path target, Configuration conf) {
        if (target.getParent() == null) {
            throw new IllegalArgumentException("output " + target + " has no parent folder to write next to");
        }
        try {
            return target.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("no file system for " + target + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(FileSystem fs, Path tmp) {
        try {
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
        } catch (IOException e) {
            LOG.warn("could not delete temporary output {}: {}", tmp, e.toString());
        }
    }
}

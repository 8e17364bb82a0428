package dev.sparkft.data.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an output folder under a hidden temporary name next to it and renames it into place at the
 * end, so a failed run leaves nothing half-written; an existing output is never replaced.
 */
final class AtomicOutput {

    private static final Logger LOG = LoggerFactory.getLogger(AtomicOutput.class);

    private AtomicOutput() {
    }

    /** Fails fast if {@code out} exists (call before any expensive work). */
    static void checkAbsent(String out, Configuration conf) {
        Path path = new Path(out);
        try {
            if (path.getFileSystem(conf).exists(path)) {
                throw new IllegalArgumentException("output " + out + " already exists; delete it or choose another path");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + out, e);
        }
    }

    /** Runs {@code writer} on a temporary folder, then renames it to {@code out}. */
    static void write(String out, Configuration conf, Consumer<Path> writer) {
        Path target = new Path(out);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        FileSystem fs;
        try {
            fs = target.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("no file system for " + out, e);
        }
        try {
            checkAbsent(out, conf);
            writer.accept(tmp);
            checkAbsent(out, conf);
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        } finally {
            try {
                if (fs.exists(tmp)) {
                    fs.delete(tmp, true);
                }
            } catch (IOException e) {
                LOG.warn("could not delete temporary output {}: {}", tmp, e.toString());
            }
        }
    }
}

package dev.sparkft.spark.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Driver side: one run at a time per {@code run.outputDir}, so that two runs never interleave metrics lines or
 * prune each other's checkpoints. An OS file lock on {@value #FILE} (released by the OS when the process dies,
 * so a killed run leaves no stale lock), holding the holder's description for the refusal message.
 */
final class RunLock implements AutoCloseable {
    static final String FILE = ".sparkft.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code outputDir} for run {@code runName}, or fails naming the run that holds it. */
    static RunLock acquire(Path outputDir, String runName) {
        Path file = outputDir.toAbsolutePath().resolve(FILE);
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another run in this JVM
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                throw new IllegalArgumentException("run.outputDir " + outputDir.toAbsolutePath() + " is in use by "
                        + (holder.isEmpty() ? "another run" : holder) + "; wait for it to end or set another"
                        + " run.outputDir (nothing was trained)");
            }
            String me = "run '" + runName + "' (pid " + ProcessHandle.current().pid() + " on "
                    + InetAddress.getLocalHost().getHostName() + ", JVM " + ManagementFactory.getRuntimeMXBean().getName()
                    + ", since " + Instant.now() + ")\n";
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            return new RunLock(channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IllegalArgumentException("cannot lock run.outputDir " + outputDir.toAbsolutePath() + ": "
                    + e.getMessage() + "; check that it is a writable folder (nothing was trained)", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // already failing; the lock goes with the channel
        }
    }

    /** Releases the lock; the file stays (deleting it would race with the next run taking it). */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the lock on " + FILE, e);
        }
    }
}

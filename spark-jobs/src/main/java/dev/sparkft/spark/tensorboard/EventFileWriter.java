package dev.sparkft.spark.tensorboard;

import dev.sparkft.spark.tensorboard.proto.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One TensorBoard event file, written on the driver into a folder on any Hadoop file system: a TFRecord stream of
 * {@link Event} protobufs. Each record is the data's length (8 bytes, little-endian), that length's masked CRC-32C,
 * the data, and the data's masked CRC-32C. {@link #flush()} pushes what was written to the file system so that a
 * running TensorBoard sees it (hflush: visible to readers on HDFS and the local file system; object stores such as
 * S3 show the file only once it is closed).
 *
 * <p>The name follows TensorBoard's convention, {@code events.out.tfevents.<seconds>.<host>.<pid>.<n>}: TensorBoard
 * reads every such file in the folder, in name order, so a resumed run's new file comes after the old one.
 */
public final class EventFileWriter implements AutoCloseable {
    /** What TensorBoard expects as the first event of a file. */
    static final String FILE_VERSION = "brain.Event:2";
    /** Files this JVM opened: two runs in one second (a test, a quick resume) still get their own files. */
    private static final AtomicInteger OPENED = new AtomicInteger();

    private final Path file;
    private final FSDataOutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);

    private EventFileWriter(Path file, FSDataOutputStream out) {
        this.file = file;
        this.out = out;
    }

    /** Creates the folder if needed and a new event file in it, starting with the file-version event. */
    public static EventFileWriter create(String dir, Configuration conf) {
        Path folder = new Path(dir);
        long now = System.currentTimeMillis();
        String name = "events.out.tfevents." + now / 1000 + "." + host() + "." + ProcessHandle.current().pid() + "."
                + OPENED.incrementAndGet();
        Path file = new Path(folder, name);
        try {
            FileSystem any = folder.getFileSystem(conf);
            // The local file system's checksum wrapper would add a ".<name>.crc" file, which TensorBoard would try
            // to read as events (its name contains "tfevents").
            FileSystem fs = any instanceof LocalFileSystem local ? local.getRawFileSystem() : any;
            fs.mkdirs(folder);
            EventFileWriter writer = new EventFileWriter(file, fs.create(file, false));
            writer.write(Event.newBuilder().setWallTime(now / 1000.0).setFileVersion(FILE_VERSION).build());
            writer.flush();
            return writer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the TensorBoard event file " + file
                    + " (logging.tensorboardDir): check that the folder is writable", e);
        }
    }

    /** The file being written. */
    public String path() {
        return file.toString();
    }

    /** Appends one event (buffered until {@link #flush()}). */
    public void write(Event event) {
        byte[] data = event.toByteArray();
        header.clear();
        header.putLong(data.length);
        header.putInt(maskedCrc32c(header.array(), 0, 8));
        footer.clear();
        footer.putInt(maskedCrc32c(data, 0, data.length));
        try {
            out.write(header.array());
            out.write(data);
            out.write(footer.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the TensorBoard event file " + file, e);
        }
    }

    /** Makes everything written so far visible to readers. */
    public void flush() {
        try {
            out.hflush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush the TensorBoard event file " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the TensorBoard event file " + file, e);
        }
    }

    /**
     * TFRecord's checksum: CRC-32C, rotated right by 15 bits plus a constant, so that a CRC stored next to the data
     * it covers does not checksum to a fixed value.
     */
    static int maskedCrc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}

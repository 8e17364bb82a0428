package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.optim.OptimizerState;
import dev.sparkft.spark.executor.PartitionState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints in a directory on any Hadoop file system, one file per checkpoint named {@code step-N.ckpt}.
 * A file is written under a temporary name, synced and renamed over its name when complete, so an interrupted
 * write never replaces a good checkpoint; it carries a CRC32 and lengths checked against its size, so that a
 * truncated or damaged file is recognised and skipped on resume. Only the newest {@code keepLast} are kept.
 *
 * <p>File layout (big-endian): magic {@code SPFTCKPT}, format version, header length, header JSON
 * (step, counts, fingerprint, config, optimizer buffer names and lengths), the parameters, each optimizer
 * buffer, then the CRC32 of all preceding bytes and the end magic {@code SPFT-END}.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] MAGIC = "SPFTCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "SPFT-END".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern NAME = Pattern.compile("step-(\\d+)\\.ckpt");
    /** The best evaluation's parameters, kept by early stopping. */
    public static final String BEST = "best.ckpt";
    private static final String TMP_PREFIX = "_tmp-";
    private static final int CHUNK = 16 * 1024;

    private final Path dir;
    private final FileSystem fs;
    private final Configuration hadoopConf;
    private final int keepLast;

    public CheckpointStore(String dir, Configuration hadoopConf, int keepLast) {
        this.dir = new Path(dir);
        this.hadoopConf = hadoopConf;
        this.keepLast = keepLast;
        try {
            FileSystem any = this.dir.getFileSystem(hadoopConf);
            // The local file system's checksumming wrapper cannot sync to disk and keeps .crc side files;
            // checkpoint files carry their own CRC, so write through the raw file system.
            this.fs = any instanceof LocalFileSystem local ? local.getRawFileSystem() : any;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of checkpoint.dir " + dir, e);
        }
    }

    /** Writes {@code c} as {@code step-N.ckpt} (temporary name, then rename) and prunes old ones. */
    public Path save(Checkpoint c) {
        return write(c, new Path(dir, String.format("step-%012d.ckpt", c.step())));
    }

    /** Writes {@code c} as {@value #BEST}, replacing the previous best; never pruned, never resumed from. */
    public Path saveBest(Checkpoint c) {
        return write(c, new Path(dir, BEST));
    }

    /**
     * Fails before training, naming {@code checkpoint.dir}, when a file cannot be created, synced and deleted
     * there; hours of training would otherwise end at the first checkpoint.
     */
    public void requireWritable() {
        Path probe = new Path(dir, TMP_PREFIX + "probe-" + UUID.randomUUID());
        try {
            fs.mkdirs(dir);
            try (FSDataOutputStream out = fs.create(probe, false)) {
                out.write(MAGIC);
                out.hsync();
            }
            if (!fs.delete(probe, false)) {
                throw new IOException("cannot delete " + probe);
            }
        } catch (IOException | FSError | RuntimeException e) {
            deleteQuietly(probe);
            throw new IllegalArgumentException("checkpoint.dir " + dir + " is not writable: " + reason(e)
                    + "; choose another checkpoint.dir or fix its permissions (nothing was trained)", e);
        }
    }

    /** Deletes temporary files that an interrupted earlier write left behind; call while holding the run's lock. */
    public int sweepTemporaryFiles() {
        try {
            if (!fs.exists(dir)) {
                return 0;
            }
            int n = 0;
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.getPath().getName().startsWith(TMP_PREFIX) && fs.delete(s.getPath(), false)) {
                    LOG.info("deleted a stale temporary checkpoint file {}", s.getPath());
                    n++;
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint.dir " + dir, e);
        }
    }

    /**
     * Temporary name, written and synced to disk, renamed over {@code target} (atomic on POSIX and HDFS, so a
     * reader sees the old file or the new one), and only then older checkpoints are pruned. Any failure,
     * also Hadoop's {@link FSError} for a full disk, deletes the temporary file and leaves earlier
     * checkpoints as they were.
     */
    private Path write(Checkpoint c, Path target) {
        Path tmp = new Path(dir, TMP_PREFIX + target.getName() + "-" + UUID.randomUUID());
        boolean renamed = false;
        try {
            fs.mkdirs(dir);
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                write(c, out);
                out.hsync();
            }
            renameOver(tmp, target);
            renamed = true;
        } catch (IOException | FSError e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + reason(e)
                    + "; earlier checkpoints in " + dir + " are intact", e instanceof IOException io ? io
                            : new IOException(e));
        } finally {
            if (!renamed) {
                deleteQuietly(tmp);
            }
        }
        try {
            prune();
        } catch (IOException e) {
            LOG.warn("cannot prune old checkpoints in {}: {}", dir, e.getMessage());
        }
        return target;
    }

    private void renameOver(Path from, Path to) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            // rename(2) replaces an existing file atomically (Hadoop's local rename falls back to a copy into a
            // directory of that name); then the directory entry itself is made durable.
            java.nio.file.Path target = local.pathToFile(to).toPath();
            Files.move(local.pathToFile(from).toPath(), target, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
                d.force(true);
            }
        } else {
            FileContext.getFileContext(fs.getUri(), hadoopConf).rename(from, to, Options.Rename.OVERWRITE);
        }
    }

    private void deleteQuietly(Path p) {
        try {
            fs.delete(p, false);
        } catch (IOException | FSError | RuntimeException e) {
            LOG.warn("cannot delete temporary file {}: {}", p, e.getMessage());
        }
    }

    /** The innermost message: a full disk reads "No space left on device", not a wrapper's words. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** The newest checkpoint that reads back completely; damaged or truncated files are skipped with a warning. */
    public Optional<Checkpoint> latest() {
        List<Path> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path p = all.get(i);
            try {
                return Optional.of(read(p));
            } catch (IOException | RuntimeException e) {
                LOG.warn("ignoring unreadable checkpoint {}: {}", p, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Complete-looking checkpoint files (by name), oldest first. */
    public List<Path> list() {
        try {
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<Path> out = new ArrayList<>();
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isFile() && NAME.matcher(s.getPath().getName()).matches()) {
                    out.add(s.getPath());
                }
            }
            out.sort(Comparator.comparingLong(CheckpointStore::stepOf));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint.dir " + dir, e);
        }
    }

    public Checkpoint read(Path p) throws IOException {
        long size = fs.getFileStatus(p).getLen();
        try (FSDataInputStream raw = fs.open(p)) {
            BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 20);
            CheckedInputStream checked = new CheckedInputStream(buffered, new CRC32());
            DataInputStream in = new DataInputStream(checked);
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a SparkFT checkpoint (bad magic)");
            }
            int version = in.readInt();
            if (version != Checkpoint.FORMAT_VERSION) {
                throw new IOException("checkpoint format " + version + ", this build reads " + Checkpoint.FORMAT_VERSION);
            }
            // Every length is checked against the file's size before anything is allocated: a damaged length
            // field must make the file unreadable, not exhaust the heap.
            int headerLength = in.readInt();
            long fixed = MAGIC.length + 4L + 4L + 8L + END.length;
            if (headerLength < 0 || fixed + headerLength > size) {
                throw new IOException("damaged header length " + headerLength + " in a file of " + size + " bytes");
            }
            byte[] headerBytes = new byte[headerLength];
            in.readFully(headerBytes);
            JsonNode h = JSON.readTree(headerBytes);
            JsonNode opt = h.path("optimizer");
            long floats = h.path("parameters").asLong(-1);
            for (JsonNode b : opt.path("buffers")) {
                floats += b.path("length").asLong(-1);
            }
            for (JsonNode partition : h.path("partitions")) {
                for (JsonNode b : partition.path("arrays")) {
                    floats += b.path("length").asLong(-1);
                }
            }
            if (floats < 0 || fixed + headerLength + 4 * floats != size) {
                throw new IOException("the header's lengths do not match the file's " + size
                        + " bytes: the file is damaged");
            }
            float[] params = readFloats(in, h.get("parameters").asInt());
            Map<String, float[]> buffers = new LinkedHashMap<>();
            for (JsonNode b : opt.get("buffers")) {
                buffers.put(b.get("name").asText(), readFloats(in, b.get("length").asInt()));
            }
            List<PartitionState> partitions = new ArrayList<>();
            for (JsonNode partition : h.path("partitions")) {
                Map<String, float[]> arrays = new LinkedHashMap<>();
                for (JsonNode b : partition.get("arrays")) {
                    arrays.put(b.get("name").asText(), readFloats(in, b.get("length").asInt()));
                }
                partitions.add(new PartitionState(partition.hasNonNull("innerOptimizer")
                        ? partition.get("innerOptimizer").asText() : null, arrays));
            }
            long crc = checked.getChecksum().getValue();
            DataInputStream trailer = new DataInputStream(buffered);
            if (trailer.readLong() != crc) {
                throw new IOException("checksum mismatch: the file is damaged");
            }
            byte[] end = new byte[END.length];
            trailer.readFully(end);
            if (!Arrays.equals(end, END) || trailer.read() != -1) {
                throw new IOException("bad end marker: the file is damaged");
            }
            return new Checkpoint(h.get("step").asLong(), h.get("skippedSteps").asLong(), h.get("examples").asLong(),
                    h.hasNonNull("dataFingerprint") ? h.get("dataFingerprint").asText() : null,
                    h.get("layoutFingerprint").asText(), JSON.writeValueAsString(h.get("config")), params,
                    new OptimizerState(opt.get("type").asText(), opt.get("step").asLong(), buffers), partitions);
        } catch (EOFException e) {
            throw new IOException("truncated: the write did not complete", e);
        }
    }

    private static void write(Checkpoint c, FSDataOutputStream raw) throws IOException {
        BufferedOutputStream buffered = new BufferedOutputStream(raw, 1 << 20);
        CheckedOutputStream checked = new CheckedOutputStream(buffered, new CRC32());
        DataOutputStream out = new DataOutputStream(checked);
        ObjectNode h = JSON.createObjectNode();
        h.put("format", Checkpoint.FORMAT_VERSION).put("step", c.step()).put("skippedSteps", c.skippedSteps())
                .put("examples", c.examples()).put("dataFingerprint", c.dataFingerprint())
                .put("layoutFingerprint", c.layoutFingerprint())
                .put("parameters", c.params().length);
        h.set("config", JSON.readTree(c.configJson()));
        ObjectNode opt = h.putObject("optimizer");
        opt.put("type", c.optimizer().optimizer()).put("step", c.optimizer().step());
        ArrayNode names = opt.putArray("buffers");
        for (Map.Entry<String, float[]> b : c.optimizer().buffers().entrySet()) {
            names.addObject().put("name", b.getKey()).put("length", b.getValue().length);
        }
        if (!c.partitions().isEmpty()) {
            ArrayNode partitions = h.putArray("partitions");
            for (PartitionState p : c.partitions()) {
                ObjectNode entry = partitions.addObject().put("innerOptimizer", p.innerOptimizer());
                ArrayNode arrays = entry.putArray("arrays");
                p.arrays().forEach((name, values) -> arrays.addObject().put("name", name).put("length", values.length));
            }
        }
        byte[] header = JSON.writeValueAsBytes(h);
        out.write(MAGIC);
        out.writeInt(Checkpoint.FORMAT_VERSION);
        out.writeInt(header.length);
        out.write(header);
        writeFloats(out, c.params());
        for (float[] b : c.optimizer().buffers().values()) {
            writeFloats(out, b);
        }
        for (PartitionState p : c.partitions()) {
            for (float[] values : p.arrays().values()) {
                writeFloats(out, values);
            }
        }
        out.flush();
        DataOutputStream trailer = new DataOutputStream(buffered);
        trailer.writeLong(checked.getChecksum().getValue());
        trailer.write(END);
        trailer.flush();
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        byte[] bytes = new byte[CHUNK * 4];
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        for (int from = 0; from < v.length; from += CHUNK) {
            int n = Math.min(CHUNK, v.length - from);
            bb.clear();
            bb.asFloatBuffer().put(v, from, n);
            out.write(bytes, 0, n * 4);
        }
    }

    private static float[] readFloats(DataInputStream in, int length) throws IOException {
        float[] v = new float[length];
        byte[] bytes = new byte[CHUNK * 4];
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        for (int from = 0; from < length; from += CHUNK) {
            int n = Math.min(CHUNK, length - from);
            in.readFully(bytes, 0, n * 4);
            bb.clear();
            bb.asFloatBuffer().get(v, from, n);
        }
        return v;
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            fs.delete(all.get(i), false);
        }
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getName());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a checkpoint name: " + p);
        }
        return Long.parseLong(m.group(1));
    }
}

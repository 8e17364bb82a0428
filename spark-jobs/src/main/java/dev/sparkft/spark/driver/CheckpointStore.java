package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.optim.OptimizerState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints in a directory on any Hadoop file system, one file per checkpoint named {@code step-N.ckpt}.
 * A file is written under a temporary name and renamed when complete, so an interrupted write never
 * replaces a good checkpoint; it carries a CRC32 so that a truncated or damaged file is recognised and
 * skipped on resume. Only the newest {@code keepLast} are kept.
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
    private final int keepLast;

    public CheckpointStore(String dir, Configuration hadoopConf, int keepLast) {
        this.dir = new Path(dir);
        this.keepLast = keepLast;
        try {
            this.fs = this.dir.getFileSystem(hadoopConf);
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

    private Path write(Checkpoint c, Path target) {
        Path tmp = new Path(dir, TMP_PREFIX + target.getName() + "-" + UUID.randomUUID());
        try {
            fs.mkdirs(dir);
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                write(c, out);
            }
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
            prune();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
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
            byte[] headerBytes = new byte[in.readInt()];
            in.readFully(headerBytes);
            JsonNode h = JSON.readTree(headerBytes);
            float[] params = readFloats(in, h.get("parameters").asInt());
            JsonNode opt = h.get("optimizer");
            Map<String, float[]> buffers = new LinkedHashMap<>();
            for (JsonNode b : opt.get("buffers")) {
                buffers.put(b.get("name").asText(), readFloats(in, b.get("length").asInt()));
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
                    h.get("layoutFingerprint").asText(), JSON.writeValueAsString(h.get("config")), params,
                    new OptimizerState(opt.get("type").asText(), opt.get("step").asLong(), buffers));
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
                .put("examples", c.examples()).put("layoutFingerprint", c.layoutFingerprint())
                .put("parameters", c.params().length);
        h.set("config", JSON.readTree(c.configJson()));
        ObjectNode opt = h.putObject("optimizer");
        opt.put("type", c.optimizer().optimizer()).put("step", c.optimizer().step());
        ArrayNode names = opt.putArray("buffers");
        for (Map.Entry<String, float[]> b : c.optimizer().buffers().entrySet()) {
            names.addObject().put("name", b.getKey()).put("length", b.getValue().length);
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

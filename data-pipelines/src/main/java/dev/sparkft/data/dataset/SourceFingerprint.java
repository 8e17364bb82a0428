package dev.sparkft.data.dataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Driver-side descriptions of a preparation's inputs for a {@link PreparedDataset#fingerprint()}: cheap (names,
 * sizes, modification times, no reading of data files) except the SHA-256 of small files such as a tokenizer.
 * A missing or unreadable input fails here, naming it, before any Spark work.
 */
public final class SourceFingerprint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SourceFingerprint() {
    }

    /**
     * Every data file under {@code path} (or {@code path} itself when it is a file) as
     * {@code "relative-name size mtime"}, sorted; hidden and {@code _} files are skipped, as Spark skips them.
     *
     * @param key the config key that named {@code path}, for the error message
     */
    public static ArrayNode listing(Path path, Configuration conf, String key) {
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new IllegalArgumentException(key + ": input " + path + " does not exist");
            }
            Path root = fs.makeQualified(path);
            TreeSet<String> files = new TreeSet<>();
            FileStatus top = fs.getFileStatus(root);
            if (top.isFile()) {
                files.add(root.getName() + " " + top.getLen() + " " + top.getModificationTime());
            } else {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
                while (it.hasNext()) {
                    LocatedFileStatus s = it.next();
                    String name = s.getPath().getName();
                    if (!name.startsWith(".") && !name.startsWith("_")) {
                        String relative = root.toUri().relativize(s.getPath().toUri()).getPath();
                        files.add(relative + " " + s.getLen() + " " + s.getModificationTime());
                    }
                }
                if (files.isEmpty()) {
                    throw new IllegalArgumentException(key + ": input folder " + path + " holds no data files");
                }
            }
            ArrayNode out = JSON.createArrayNode();
            files.forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": cannot read input " + path + ": " + e.getMessage(), e);
        }
    }

    /** A long {@link #listing} in brief: its number of files and the SHA-256 of its lines. */
    public static ObjectNode digest(ArrayNode listing) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            listing.forEach(line -> md.update((line.asText() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return JSON.createObjectNode().put("files", listing.size()).put("sha256", HexFormat.of().formatHex(md.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The hex SHA-256 of a (small) file's bytes. */
    public static String sha256(Path file, Configuration conf, String key) {
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream d = new DigestInputStream(in, md)) {
                d.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException(key + ": " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}

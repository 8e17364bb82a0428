package dev.sparkft.spark.driver;

import dev.sparkft.model.ModelFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.security.AccessControlException;

/**
 * Model files named by any Hadoop FileSystem URI, for the driver's model resolution: a plain local path or a
 * {@code file:} URI is used where it is; a remote file or folder ({@code hdfs:}, {@code s3a:}, ...) is copied
 * into a private temporary folder on the driver (a folder's files only, not its subfolders), after checking it
 * fits in the free space there. {@link #close()} deletes the copies, once the driver has read what it needs.
 */
final class HadoopModelFiles implements ModelFiles, AutoCloseable {
    /** Left free on the temporary disk after a copy, so that the copy does not fill it. */
    static final long SPARE_BYTES = 256L << 20;

    private final Configuration conf;
    private final Path tempRoot;
    private Path copies;

    HadoopModelFiles(Configuration conf) {
        this(conf, Path.of(System.getProperty("java.io.tmpdir")));
    }

    HadoopModelFiles(Configuration conf, Path tempRoot) {
        this.conf = conf;
        this.tempRoot = tempRoot;
    }

    @Override
    public Path local(String key, String location) {
        org.apache.hadoop.fs.Path path;
        try {
            path = new org.apache.hadoop.fs.Path(location);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option '" + key + "': '" + location + "' is not a path or URI: "
                    + e.getMessage(), e);
        }
        URI uri = path.toUri();
        if (uri.getScheme() == null) {
            return ModelFiles.LOCAL.local(key, location);
        }
        if (uri.getScheme().equals("file")) {
            return ModelFiles.LOCAL.local(key, Path.of(uri).toString());
        }
        try {
            FileSystem fs = path.getFileSystem(conf);
            FileStatus status = fs.getFileStatus(path);
            List<FileStatus> files = new ArrayList<>();
            if (status.isDirectory()) {
                for (FileStatus f : fs.listStatus(path)) {
                    if (f.isFile()) {
                        files.add(f);
                    }
                }
            } else {
                files.add(status);
            }
            long bytes = files.stream().mapToLong(FileStatus::getLen).sum();
            Files.createDirectories(tempRoot);
            long free = Files.getFileStore(tempRoot).getUsableSpace();
            if (bytes + SPARE_BYTES > free) {
                throw new IllegalArgumentException("option '" + key + "': " + location + " holds " + (bytes >> 20)
                        + " MiB, more than the driver can copy into " + tempRoot + " (" + (free >> 20)
                        + " MiB free); free space there or point java.io.tmpdir elsewhere");
            }
            if (copies == null) {
                copies = Files.createTempDirectory(tempRoot, "sparkft-model-");
            }
            Path target = Files.createTempDirectory(copies, "option-");
            Path local = status.isDirectory() ? target.resolve(path.getName()) : target;
            Files.createDirectories(local);
            for (FileStatus f : files) {
                try (InputStream in = fs.open(f.getPath())) {
                    Files.copy(in, local.resolve(f.getPath().getName()));
                }
            }
            return status.isDirectory() ? local : local.resolve(path.getName());
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("option '" + key + "': " + location + " does not exist", e);
        } catch (AccessControlException e) {
            throw new IllegalArgumentException("option '" + key + "': " + location + " is not readable: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("option '" + key + "': cannot read " + location + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the local copies. */
    @Override
    public void close() {
        if (copies == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(copies)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the driver's temporary model copies in " + copies, e);
        }
        copies = null;
    }
}

package dev.sparkft.model;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the driver reads a file or folder that a model option names (weights, a config.json): as a local path.
 * {@link #LOCAL} takes plain local paths; the Spark driver passes one that reads any Hadoop FileSystem URI.
 * Engines call it while resolving, on the driver only.
 */
@FunctionalInterface
public interface ModelFiles {

    /** Plain local paths, checked to exist. */
    ModelFiles LOCAL = (key, location) -> {
        Path path = Path.of(location);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("option '" + key + "': " + location + " does not exist");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("option '" + key + "': " + location + " is not readable");
        }
        return path;
    };

    /**
     * A readable local file or folder (the original, or a copy of it) for {@code location}, the value of option
     * {@code key}; fails naming both when it is missing or unreadable. A copy lives until the resolution ends.
     */
    Path local(String key, String location);
}

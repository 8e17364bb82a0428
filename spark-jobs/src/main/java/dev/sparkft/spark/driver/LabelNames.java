package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.data.dataset.PreparedDataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Class names for reports, in class-id order: {@code evaluation.labels} when given, else those of the prepared
 * dataset holding the training data (its {@link PreparedDataset} descriptor, read and checked), else a
 * {@code labels.json} in that folder ({@code {"labels": [...]}}; a bare JSON list also works); else none, and the
 * report numbers the classes.
 */
final class LabelNames {
    static final String FILE = "labels.json";

    private LabelNames() {
    }

    static List<String> resolve(List<String> configured, String trainPath, Configuration hadoopConf) {
        if (!configured.isEmpty()) {
            return configured;
        }
        Path parent = new Path(trainPath).getParent();
        if (parent == null) {
            return List.of();
        }
        if (PreparedDataset.exists(parent, hadoopConf)) {
            return PreparedDataset.read(parent, hadoopConf).labels();
        }
        Path file = new Path(parent, FILE);
        try {
            FileSystem fs = file.getFileSystem(hadoopConf);
            if (!fs.exists(file)) {
                return List.of();
            }
            try (InputStream in = fs.open(file)) {
                return parse(new ObjectMapper().readTree(in), file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read label names from " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> parse(JsonNode root, Path file) {
        // The text pipeline's LabelVocabulary writes {"labels": [...]}; a bare list is accepted too.
        JsonNode tree = root != null && root.isObject() ? root.get("labels") : root;
        if (tree == null || !tree.isArray() || tree.isEmpty()) {
            throw new IllegalArgumentException(file + " must be a non-empty JSON list of class names in id order,"
                    + " e.g. [\"negative\", \"positive\"]; or set evaluation.labels");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < tree.size(); i++) {
            JsonNode n = tree.get(i);
            if (!n.isTextual() || n.textValue().isBlank()) {
                throw new IllegalArgumentException(file + ": entry " + i + " is " + n
                        + ", expected a non-empty class name string");
            }
            names.add(n.textValue());
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException(file + " lists a class name twice: " + names);
        }
        return names;
    }
}

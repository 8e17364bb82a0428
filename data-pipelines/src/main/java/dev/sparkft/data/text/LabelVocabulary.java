package dev.sparkft.data.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.data.dataset.AtomicOutput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The class names of a dataset; a label's id is its index. Saved as {@code labels.json}
 * ({@code {"labels": ["ham", "spam"]}}) next to the tokenised splits, so training and evaluation map ids
 * back to names the same way.
 */
public record LabelVocabulary(List<String> labels) implements Serializable {

    public static final String FILE_NAME = "labels.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public LabelVocabulary {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("a label vocabulary needs at least one label");
        }
        labels = List.copyOf(labels);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i);
            if (label.isBlank()) {
                throw new IllegalArgumentException("label " + i + " is blank");
            }
            Integer previous = seen.put(label, i);
            if (previous != null) {
                throw new IllegalArgumentException("label '" + label + "' appears twice (ids " + previous + " and " + i + ")");
            }
        }
    }

    /** The id of a label, or -1 if it is not in the vocabulary. */
    public int idOf(String label) {
        return labels.indexOf(label);
    }

    public int size() {
        return labels.size();
    }

    /** Writes {@code dir/labels.json} (through a temporary file, then a rename). */
    public void save(Path dir, Configuration hadoopConf) {
        AtomicOutput.writeFile(new Path(dir, FILE_NAME), hadoopConf,
                out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, Map.of("labels", labels)));
    }

    public static LabelVocabulary load(Path dir, Configuration hadoopConf) {
        Path file = new Path(dir, FILE_NAME);
        try (InputStream in = file.getFileSystem(hadoopConf).open(file)) {
            Map<String, List<String>> doc = JSON.readValue(in, new TypeReference<Map<String, List<String>>>() { });
            List<String> labels = doc.get("labels");
            if (labels == null) {
                throw new IllegalArgumentException(file + " has no \"labels\" array");
            }
            return new LabelVocabulary(new ArrayList<>(labels));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read label vocabulary " + file, e);
        }
    }
}

package dev.sparkft.data.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a prepared dataset is, in one place: the descriptor {@value #FILE} written last into the dataset's folder
 * (inside its temporary name, so a folder under its real name always has one) and read back, checked, by
 * every job that consumes the data. A folder without a descriptor is not a prepared dataset.
 *
 * <pre>
 * DIR/dataset.json        this descriptor
 * DIR/labels.json         {"labels": [...]}: class names, id = position (when the data has labels)
 * DIR/tokenizer.json      the exact tokenizer used (tokenised text only)
 * DIR/&lt;split&gt;/            one Parquet table per split, all with {@code columns}
 * DIR/&lt;split&gt;/_rejects/   rows that could not be prepared, with a {@code reason} column (Spark skips _ folders)
 * </pre>
 *
 * @param location    the folder (not stored: it is where the descriptor was read from or is written to)
 * @param kind        what the rows are: {@link #TEXT_CLASSIFICATION}, {@link #TOKEN_CLASSIFICATION},
 *                    {@link #IMAGE_CLASSIFICATION} or {@link #RAW_TEXT}
 * @param columns     each split table's columns, as Spark type strings ({@code array<int>}), in order
 * @param splits      split name to its table, counts and rejects, in preparation order
 * @param labels      class names in id order (also in {@code labels.json}); empty when the rows carry no labels
 * @param tokenizer   the tokenizer file's name in the folder, or null when the data is not tokenised
 * @param fingerprint the source and settings the data was prepared from: a preparation with an equal
 *                    fingerprint is a no-op, one with another is refused (no silent overwrite)
 * @param imageShape  {@code [channels, height, width]} of every image (image datasets; null otherwise): the
 *                    {@code pixels} column's C x H x W uint8 values, or the {@code features} floats of
 *                    {@code [1, rows, cols]}; a model's input shape is checked against it
 */
public record PreparedDataset(Path location, String kind, List<Column> columns, Map<String, Split> splits,
        List<String> labels, String tokenizer, ObjectNode fingerprint, List<Integer> imageShape) {

    public static final String FILE = "dataset.json";
    public static final String LABELS_FILE = "labels.json";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String REJECTS_DIR = "_rejects";
    public static final String FORMAT = "sparkft-prepared-dataset";
    public static final int VERSION = 1;

    public static final String TEXT_CLASSIFICATION = "text-classification";
    public static final String TOKEN_CLASSIFICATION = "token-classification";
    public static final String IMAGE_CLASSIFICATION = "image-classification";
    public static final String RAW_TEXT = "raw-text";
    /** The uint8 image column (binary, C x H x W); it requires {@link #imageShape}. */
    public static final String PIXELS_COLUMN = "pixels";
    private static final List<String> KINDS = List.of(TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, IMAGE_CLASSIFICATION,
            RAW_TEXT);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One column of the split tables. */
    public record Column(String name, String type) {
    }

    /**
     * One split: its table (relative to the dataset folder), the rows written, the documents they came from
     * (more rows than documents when long texts are windowed), rows per label name, and its rejects table
     * (relative; null when the preparation has no rejects) with rows per reason.
     */
    public record Split(String path, long rows, long documents, Map<String, Long> rowsByLabel, String rejects,
            Map<String, Long> rejectedByReason) {
        public Split {
            if (path == null || path.isBlank() || path.startsWith("/") || path.contains("..")) {
                throw new IllegalArgumentException("split path '" + path + "' must be a folder inside the dataset");
            }
            if (rows < 0 || documents < 0) {
                throw new IllegalArgumentException("split " + path + ": negative counts");
            }
            rowsByLabel = java.util.Collections.unmodifiableMap(new TreeMap<>(rowsByLabel));
            rejectedByReason = java.util.Collections.unmodifiableMap(new TreeMap<>(rejectedByReason));
        }

        /** A split at {@code name/} with rejects at {@code name/_rejects}, and one document per row. */
        public static Split of(String name, long rows, Map<String, Long> rowsByLabel, Map<String, Long> rejected) {
            return new Split(name, rows, rows, rowsByLabel, name + "/" + REJECTS_DIR, rejected);
        }

        public long rejected() {
            return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** A dataset without an image shape (text, or before shapes were recorded). */
    public PreparedDataset(Path location, String kind, List<Column> columns, Map<String, Split> splits,
            List<String> labels, String tokenizer, ObjectNode fingerprint) {
        this(location, kind, columns, splits, labels, tokenizer, fingerprint, null);
    }

    public PreparedDataset {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("dataset kind '" + kind + "' is not one of " + KINDS);
        }
        if (imageShape != null) {
            if (!kind.equals(IMAGE_CLASSIFICATION)) {
                throw new IllegalArgumentException("an image shape " + imageShape + " on a " + kind + " dataset; only "
                        + IMAGE_CLASSIFICATION + " data has one");
            }
            if (imageShape.size() != 3 || imageShape.stream().anyMatch(d -> d == null || d < 1)) {
                throw new IllegalArgumentException("image shape must be [channels, height, width] of positive"
                        + " integers, got " + imageShape);
            }
            imageShape = List.copyOf(imageShape);
        }
        if (splits == null || splits.isEmpty()) {
            throw new IllegalArgumentException("a prepared dataset needs at least one split");
        }
        if (columns == null || columns.isEmpty()) {
            throw new IllegalArgumentException("a prepared dataset needs its columns");
        }
        columns = List.copyOf(columns);
        if (imageShape == null && columns.stream().anyMatch(c -> c.name().equals(PIXELS_COLUMN)
                && c.type().equals("binary"))) {
            throw new IllegalArgumentException("a dataset with a binary '" + PIXELS_COLUMN + "' column needs its image"
                    + " shape [channels, height, width]");
        }
        splits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splits));
        labels = List.copyOf(labels);
        fingerprint = fingerprint == null ? JSON.createObjectNode() : fingerprint.deepCopy();
    }

    /** The same descriptor for a dataset at {@code dir} (e.g. the temporary folder it is written into). */
    public PreparedDataset at(Path dir) {
        return new PreparedDataset(dir, kind, columns, splits, labels, tokenizer, fingerprint, imageShape);
    }

    /**
     * Fails naming the descriptor and both shapes unless this image dataset's {@link #imageShape} is {@code
     * expected} ({@code [channels, height, width]}, e.g. a model's input size).
     */
    public void requireImageShape(List<Integer> expected, String what) {
        if (imageShape == null) {
            throw new IllegalArgumentException(new Path(location, FILE) + " records no image shape (kind " + kind
                    + "); " + what + " needs images of " + expected + ": prepare the images with imageSize "
                    + expected);
        }
        if (!imageShape.equals(expected)) {
            throw new IllegalArgumentException(new Path(location, FILE) + ": images are " + imageShape + " [C, H, W] but "
                    + what + " takes " + expected + "; prepare the images with imageSize " + expected);
        }
    }

    /** The columns of a Spark schema, as a descriptor lists them. */
    public static List<Column> columnsOf(StructType schema) {
        List<Column> out = new ArrayList<>();
        for (StructField f : schema.fields()) {
            out.add(new Column(f.name(), f.dataType().simpleString()));
        }
        return out;
    }

    public Path splitPath(String split) {
        return new Path(location, require(split).path());
    }

    /** The split's rejects table, or null when it has none. */
    public Path rejectsPath(String split) {
        Split s = require(split);
        return s.rejects() == null ? null : new Path(location, s.rejects());
    }

    public Path tokenizerPath() {
        return tokenizer == null ? null : new Path(location, tokenizer);
    }

    public Split require(String split) {
        Split s = splits.get(split);
        if (s == null) {
            throw new IllegalArgumentException(new Path(location, FILE) + " has no split '" + split + "' (splits: "
                    + splits.keySet() + ")");
        }
        return s;
    }

    /**
     * Fails naming the table and column when {@code schema} (a split table as read) lacks a descriptor column
     * or holds it with another type.
     */
    public void checkSchema(String split, StructType schema) {
        List<Column> actual = columnsOf(schema);
        for (Column c : columns) {
            Column found = actual.stream().filter(a -> a.name().equals(c.name())).findFirst().orElse(null);
            if (found == null || !found.type().equals(c.type())) {
                throw new IllegalArgumentException(splitPath(split) + ": column '" + c.name() + "' "
                        + (found == null ? "is missing" : "is " + found.type()) + " but " + new Path(location, FILE)
                        + " says " + c.type() + "; the folder was changed after preparation: prepare it again");
            }
        }
    }

    /** One line per split: rows, per label, rejects by reason and where. */
    public List<String> summary() {
        List<String> lines = new ArrayList<>();
        splits.forEach((name, s) -> lines.add(name + ": " + s.rows() + " rows"
                + (s.documents() != s.rows() ? " of " + s.documents() + " documents" : "") + " " + s.rowsByLabel()
                + ", " + s.rejected() + " rejected" + (s.rejected() == 0 ? "" : " " + s.rejectedByReason() + " (see "
                        + rejectsPath(name) + ")")));
        return lines;
    }

    /** Writes {@code labels.json} (when there are labels) and then the descriptor into {@link #location}. */
    public void write(Configuration conf) {
        if (!labels.isEmpty()) {
            ObjectNode l = JSON.createObjectNode();
            labels.forEach(l.putArray("labels")::add);
            AtomicOutput.writeFile(new Path(location, LABELS_FILE), conf,
                    out -> out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(l)));
        }
        AtomicOutput.writeFile(new Path(location, FILE), conf,
                out -> out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson())));
    }

    ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT).put("version", VERSION).put("kind", kind);
        ArrayNode cols = root.putArray("columns");
        columns.forEach(c -> cols.addObject().put("name", c.name()).put("type", c.type()));
        ObjectNode s = root.putObject("splits");
        splits.forEach((name, split) -> {
            ObjectNode n = s.putObject(name);
            n.put("path", split.path()).put("rows", split.rows()).put("documents", split.documents());
            n.set("rowsByLabel", JSON.valueToTree(split.rowsByLabel()));
            n.put("rejects", split.rejects());
            n.set("rejectedByReason", JSON.valueToTree(split.rejectedByReason()));
        });
        labels.forEach(root.putArray("labels")::add);
        root.put("tokenizer", tokenizer);
        if (imageShape != null) {
            imageShape.forEach(root.putArray("imageShape")::add);
        }
        root.set("fingerprint", fingerprint);
        return root;
    }

    /** Whether {@code dir} holds a descriptor. */
    public static boolean exists(Path dir, Configuration conf) {
        Path file = new Path(dir, FILE);
        try {
            return file.getFileSystem(conf).exists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads and checks the descriptor of the dataset in {@code dir}: every key present and well typed, the split
     * folders, {@code labels.json} (equal to the descriptor's labels) and the tokenizer present. Errors name the
     * file and the key.
     */
    public static PreparedDataset read(Path dir, Configuration conf) {
        Path file = new Path(dir, FILE);
        JsonNode root;
        FileSystem fs;
        try {
            fs = file.getFileSystem(conf);
            try (InputStream in = fs.open(file)) {
                root = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException(dir + " is not a prepared dataset: it has no " + FILE
                    + "; prepare it with `sparkft prepare`", e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON (" + e.getOriginalMessage()
                    + "); prepare the dataset again", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        PreparedDataset d = parse(root, dir, file);
        d.checkFiles(fs, file);
        return d;
    }

    static PreparedDataset parse(JsonNode root, Path dir, Path file) {
        if (root == null || !root.isObject()) {
            throw corrupt(file, "(top level)", "must be a JSON object");
        }
        if (!FORMAT.equals(text(root, "format", file))) {
            throw corrupt(file, "format", "must be \"" + FORMAT + "\"");
        }
        long version = count(root, "version", file);
        if (version != VERSION) {
            throw corrupt(file, "version", "is " + version + "; this SparkFT reads version " + VERSION
                    + ": prepare the dataset again");
        }
        String kind = text(root, "kind", file);
        if (!KINDS.contains(kind)) {
            throw corrupt(file, "kind", "is '" + kind + "', expected one of " + KINDS);
        }
        List<Column> columns = new ArrayList<>();
        JsonNode cols = array(root, "columns", file);
        for (int i = 0; i < cols.size(); i++) {
            columns.add(new Column(text(cols.get(i), "name", file, "columns[" + i + "]."),
                    text(cols.get(i), "type", file, "columns[" + i + "].")));
        }
        JsonNode splitsNode = root.get("splits");
        if (splitsNode == null || !splitsNode.isObject() || splitsNode.isEmpty()) {
            throw corrupt(file, "splits", "must be a non-empty object of split name to table");
        }
        Map<String, Split> splits = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = splitsNode.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = "splits." + e.getKey() + ".";
            JsonNode n = e.getValue();
            if (!n.isObject()) {
                throw corrupt(file, "splits." + e.getKey(), "must be an object");
            }
            JsonNode rejects = n.get("rejects");
            if (rejects != null && !rejects.isNull() && !rejects.isTextual()) {
                throw corrupt(file, p + "rejects", "must be a path string or null");
            }
            try {
                splits.put(e.getKey(), new Split(text(n, "path", file, p), count(n, "rows", file, p),
                        count(n, "documents", file, p), counts(n, "rowsByLabel", file, p),
                        rejects == null || rejects.isNull() ? null : rejects.textValue(),
                        counts(n, "rejectedByReason", file, p)));
            } catch (IllegalArgumentException bad) {
                if (bad.getMessage().startsWith(file.toString())) {
                    throw bad;
                }
                throw corrupt(file, p + "path", bad.getMessage());
            }
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode l : array(root, "labels", file)) {
            if (!l.isTextual() || l.textValue().isBlank()) {
                throw corrupt(file, "labels", "must be a list of non-empty class names, found " + l);
            }
            labels.add(l.textValue());
        }
        JsonNode tok = root.get("tokenizer");
        if (tok == null || !(tok.isNull() || tok.isTextual())) {
            throw corrupt(file, "tokenizer", tok == null ? "is missing" : "must be a file name or null");
        }
        JsonNode fingerprint = root.get("fingerprint");
        if (fingerprint == null || !fingerprint.isObject()) {
            throw corrupt(file, "fingerprint", fingerprint == null ? "is missing" : "must be an object");
        }
        List<Integer> imageShape = null;
        JsonNode shape = root.get("imageShape");
        if (shape != null && !shape.isNull()) {
            if (!shape.isArray() || shape.size() != 3) {
                throw corrupt(file, "imageShape", "must be [channels, height, width], found " + shape);
            }
            imageShape = new ArrayList<>();
            for (JsonNode d : shape) {
                if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 1) {
                    throw corrupt(file, "imageShape", "must hold three positive integers, found " + shape);
                }
                imageShape.add(d.intValue());
            }
        }
        try {
            return new PreparedDataset(dir, kind, columns, splits, labels, tok.isNull() ? null : tok.textValue(),
                    (ObjectNode) fingerprint, imageShape);
        } catch (IllegalArgumentException bad) {
            throw corrupt(file, bad.getMessage().contains("image shape") ? "imageShape" : "columns", bad.getMessage());
        }
    }

    private void checkFiles(FileSystem fs, Path file) {
        try {
            for (Map.Entry<String, Split> e : splits.entrySet()) {
                if (!fs.exists(splitPath(e.getKey()))) {
                    throw corrupt(file, "splits." + e.getKey() + ".path", "names " + splitPath(e.getKey())
                            + ", which does not exist; prepare the dataset again");
                }
            }
            if (tokenizer != null && !fs.exists(tokenizerPath())) {
                throw corrupt(file, "tokenizer", "names " + tokenizerPath() + ", which does not exist");
            }
            Path labelsFile = new Path(location, LABELS_FILE);
            if (!labels.isEmpty()) {
                JsonNode l;
                try (InputStream in = fs.open(labelsFile)) {
                    l = JSON.readTree(in).get("labels");
                } catch (FileNotFoundException | JsonProcessingException e) {
                    throw new IllegalArgumentException(labelsFile + " is missing or not valid JSON, but " + file
                            + " lists labels " + labels + "; prepare the dataset again", e);
                }
                if (l == null || !JSON.valueToTree(labels).equals(l)) {
                    throw new IllegalArgumentException(labelsFile + " holds " + l + " but " + file + " key 'labels' says "
                            + labels + "; prepare the dataset again");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the files of " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * What a preparation into {@code dir} must do: nothing is there (empty); the dataset there was prepared from
     * an equal {@code fingerprint} (returned: the preparation is a no-op); else refused, naming the first key
     * that differs, or saying the folder is not a prepared dataset. Runs before any Spark work.
     */
    public static Optional<PreparedDataset> existing(Path dir, ObjectNode fingerprint, Configuration conf) {
        try {
            FileSystem fs = dir.getFileSystem(conf);
            if (!fs.exists(dir)) {
                return Optional.empty();
            }
            if (!fs.exists(new Path(dir, FILE))) {
                throw new IllegalArgumentException("output " + dir + " exists but holds no " + FILE + " (not a prepared"
                        + " dataset, or an interrupted or older preparation); remove it or choose another output");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + dir + ": " + e.getMessage(), e);
        }
        PreparedDataset found = read(dir, conf);
        String differs = firstDifference(found.fingerprint(), fingerprint, "");
        if (differs != null) {
            throw new IllegalArgumentException("output " + dir + " already holds a dataset prepared from other inputs or"
                    + " settings (" + differs + "); remove it or choose another output");
        }
        return Optional.of(found);
    }

    /** The first key whose value differs, with both values, or null when the trees are equal. */
    static String firstDifference(JsonNode was, JsonNode now, String prefix) {
        if (was != null && now != null && was.isObject() && now.isObject()) {
            List<String> keys = new ArrayList<>();
            now.fieldNames().forEachRemaining(keys::add);
            was.fieldNames().forEachRemaining(k -> {
                if (!keys.contains(k)) {
                    keys.add(k);
                }
            });
            for (String k : keys) {
                String d = firstDifference(was.get(k), now.get(k), prefix + k + ".");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (was != null && now != null && was.isArray() && now.isArray() && was.size() == now.size()) {
            for (int i = 0; i < was.size(); i++) {
                if (firstDifference(was.get(i), now.get(i), "") != null) {
                    return (prefix.isEmpty() ? "(fingerprint)" : prefix.substring(0, prefix.length() - 1)) + " was "
                            + was + ", now " + now;
                }
            }
            return null;
        }
        // 42 written from a long reads back as an int node: numbers compare by value
        if (was != null && now != null && was.isNumber() && now.isNumber()
                && was.decimalValue().compareTo(now.decimalValue()) == 0) {
            return null;
        }
        if (was == null ? now == null || now.isNull() : was.equals(now) || (was.isNull() && now == null)) {
            return null;
        }
        String key = prefix.isEmpty() ? "(fingerprint)" : prefix.substring(0, prefix.length() - 1);
        return key + " was " + was + ", now " + now;
    }

    private static IllegalArgumentException corrupt(Path file, String key, String what) {
        return new IllegalArgumentException(file + ": key '" + key + "' " + what);
    }

    private static String text(JsonNode n, String key, Path file) {
        return text(n, key, file, "");
    }

    private static String text(JsonNode n, String key, Path file, String prefix) {
        JsonNode v = n == null ? null : n.get(key);
        if (v == null || !v.isTextual()) {
            throw corrupt(file, prefix + key, v == null ? "is missing" : "must be a string, found " + v);
        }
        return v.textValue();
    }

    private static long count(JsonNode n, String key, Path file) {
        return count(n, key, file, "");
    }

    private static long count(JsonNode n, String key, Path file, String prefix) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.longValue() < 0) {
            throw corrupt(file, prefix + key, v == null ? "is missing" : "must be a non-negative integer, found " + v);
        }
        return v.longValue();
    }

    private static JsonNode array(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) {
            throw corrupt(file, key, v == null ? "is missing" : "must be a list, found " + v);
        }
        return v;
    }

    private static Map<String, Long> counts(JsonNode n, String key, Path file, String prefix) {
        JsonNode v = n.get(key);
        if (v == null || !v.isObject()) {
            throw corrupt(file, prefix + key, v == null ? "is missing" : "must be an object of counts, found " + v);
        }
        Map<String, Long> out = new TreeMap<>();
        Iterator<String> names = v.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            out.put(k, count(v, k, file, prefix + key + "."));
        }
        return out;
    }
}

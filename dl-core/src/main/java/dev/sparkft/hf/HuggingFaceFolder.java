package dev.sparkft.hf;

import dev.sparkft.model.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Hugging Face model folder: {@code config.json}, {@code model.safetensors} and {@code tokenizer.json}.
 * Loading accepts bare {@code BertModel} keys or {@code bert.}-prefixed ones with {@code classifier.*};
 * pretraining heads ({@code cls.*}) and the {@code position_ids} buffer are dropped. Pickled checkpoints
 * ({@code pytorch_model.bin}) are never read. Export writes a folder {@code transformers} loads.
 */
public final class HuggingFaceFolder {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";

    private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceFolder.class);
    private static final String PREFIX = "bert.";
    private static final String LAYER = "encoder.layer.";
    private static final String CLASSIFIER_WEIGHT = "classifier.weight";
    private static final String CLASSIFIER_BIAS = "classifier.bias";
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");

    private HuggingFaceFolder() {
    }

    public static HuggingFaceBert load(Path folder) throws IOException {
        requireFiles(folder);
        BertConfigFile config = BertConfigJson.read(folder.resolve(CONFIG));
        Path weightsFile = folder.resolve(WEIGHTS);
        Map<String, Tensor> raw = SafeTensors.read(weightsFile);
        boolean prefixed = raw.keySet().stream().anyMatch(k -> k.startsWith(PREFIX));
        Map<String, Tensor> encoder = new LinkedHashMap<>();
        Map<String, Tensor> head = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : raw.entrySet()) {
            String key = e.getKey();
            if (key.equals(CLASSIFIER_WEIGHT) || key.equals(CLASSIFIER_BIAS)) {
                head.put(key, e.getValue());
            } else if (key.startsWith("cls.") || key.endsWith("embeddings.position_ids")) {
                dropped.add(key);
            } else if (prefixed && !key.startsWith(PREFIX)) {
                throw new IllegalArgumentException(weightsFile + " mixes 'bert.'-prefixed keys with '" + key
                        + "'; expected all encoder keys to start with 'bert.'");
            } else {
                encoder.put(prefixed ? key.substring(PREFIX.length()) : key, e.getValue());
            }
        }
        if (!dropped.isEmpty()) {
            LOG.info("{}: ignoring {} tensors SparkFT does not use: {}", weightsFile, dropped.size(), dropped);
        }
        BertWeights weights;
        try {
            weights = new BertWeights(config.config(), encoder);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weightsFile + " does not match its " + CONFIG + ": " + e.getMessage(), e);
        }
        ClassifierHead classifier = null;
        if (config.architecture().hasClassifier()) {
            if (head.size() != 2) {
                throw new IllegalArgumentException(weightsFile + " lacks classifier.weight/classifier.bias, which "
                        + config.architecture().hfName() + " (" + CONFIG + ") needs");
            }
            classifier = new ClassifierHead(config.labels(), head.get(CLASSIFIER_WEIGHT), head.get(CLASSIFIER_BIAS));
        } else if (!head.isEmpty()) {
            throw new IllegalArgumentException(weightsFile + " has a classifier but " + CONFIG + " names "
                    + config.architecture().hfName() + "; set architectures to BertForSequenceClassification "
                    + "or BertForTokenClassification with id2label");
        }
        return new HuggingFaceBert(weights, config.architecture(), classifier);
    }

    /**
     * Fails, naming the folder, the tensor and the config.json field, when model.safetensors (its header only:
     * no tensor data is read) does not hold the tensors {@code config} implies: another shape, a missing or an
     * extra encoder layer. Classifier, pretraining-head and buffer tensors are left to {@link #load}.
     *
     * @param name the folder as the user gave it, for the message (the files may be read from a local copy)
     */
    public static void requireShapesMatch(Path folder, String name, BertConfig config) {
        requireFiles(folder);
        Map<String, long[]> shapes;
        try {
            shapes = SafeTensors.readShapes(folder.resolve(WEIGHTS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + WEIGHTS + " of Hugging Face folder " + name + ": "
                    + e.getMessage(), e);
        }
        boolean prefixed = shapes.keySet().stream().anyMatch(k -> k.startsWith(PREFIX));
        String where = "Hugging Face folder " + name + ": ";
        Map<String, long[]> expected = BertWeights.expectedShapes(config);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String key = e.getKey();
            String stored = (prefixed ? PREFIX : "") + key;
            long[] actual = shapes.get(stored);
            if (actual == null) {
                if (key.startsWith("pooler.")) {
                    continue; // a BertModel without pooler: load() checks the pair
                }
                throw new IllegalArgumentException(where + WEIGHTS + " has no tensor '" + stored + "' that "
                        + CONFIG + (key.startsWith(LAYER) ? "'s num_hidden_layers = " + config.numLayers()
                        : "'s model") + " needs; " + CONFIG + " and the weights belong to different models");
            }
            long[] want = e.getValue();
            if (!Arrays.equals(actual, want)) {
                List<String> fields = dimensionFields(key, want.length);
                int i = 0;
                while (actual.length == want.length && actual[i] == want[i]) {
                    i++;
                }
                String named = actual.length == want.length
                        ? fields.get(i) + " = " + fieldValue(config, fields.get(i)) + " implies"
                        : String.join(", ", fields) + " imply";
                throw new IllegalArgumentException(where + WEIGHTS + " tensor '" + stored + "' has shape "
                        + Arrays.toString(actual) + " but " + CONFIG + "'s " + named + " " + Arrays.toString(want)
                        + "; " + CONFIG + " and the weights belong to different models");
            }
        }
        for (String stored : shapes.keySet()) {
            String key = prefixed && stored.startsWith(PREFIX) ? stored.substring(PREFIX.length()) : stored;
            if (key.startsWith(LAYER) && !expected.containsKey(key)) {
                throw new IllegalArgumentException(where + WEIGHTS + " has tensor '" + stored + "' beyond " + CONFIG
                        + "'s num_hidden_layers = " + config.numLayers() + "; " + CONFIG
                        + " and the weights belong to different models");
            }
        }
    }

    /** The config.json field each dimension of BertModel tensor {@code key} comes from. */
    private static List<String> dimensionFields(String key, int rank) {
        if (key.endsWith("word_embeddings.weight")) {
            return List.of("vocab_size", "hidden_size");
        }
        if (key.endsWith("position_embeddings.weight")) {
            return List.of("max_position_embeddings", "hidden_size");
        }
        if (key.endsWith("token_type_embeddings.weight")) {
            return List.of("type_vocab_size", "hidden_size");
        }
        if (key.contains(".intermediate.dense.")) {
            return rank == 1 ? List.of("intermediate_size") : List.of("intermediate_size", "hidden_size");
        }
        if (key.endsWith(".output.dense.weight") && !key.contains(".attention.")) {
            return List.of("hidden_size", "intermediate_size");
        }
        return Collections.nCopies(rank, "hidden_size");
    }

    private static Object fieldValue(BertConfig c, String field) {
        return switch (field) {
            case "vocab_size" -> c.vocabSize();
            case "max_position_embeddings" -> c.maxPositions();
            case "type_vocab_size" -> c.typeVocabSize();
            case "intermediate_size" -> c.intermediateSize();
            case "hidden_size" -> c.hiddenSize();
            default -> throw new IllegalStateException("no config field " + field);
        };
    }

    /** The folder's tokenizer.json, checked to exist. */
    public static Path tokenizerJson(Path folder) {
        Path file = folder.resolve(TOKENIZER);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(folder + " has no " + TOKENIZER
                    + " (save it with the model's fast tokenizer: tokenizer.save_pretrained)");
        }
        return file;
    }

    /**
     * Writes {@code model} as a new folder {@code target} (which must not exist): weights as F32 under
     * Hugging Face's names ({@code bert.}-prefixed for the classifier classes), config.json and a copy of
     * {@code tokenizerJson}. Everything is written into a temporary sibling folder that is then renamed.
     */
    public static void export(HuggingFaceBert model, Path tokenizerJson, Path target) throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("tokenizer " + tokenizerJson + " is not a file");
        }
        writeNew(target, "export target", temporary -> {
            String prefix = model.architecture() == BertArchitecture.BERT_MODEL ? "" : PREFIX;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            model.encoder().tensors().forEach((k, v) -> tensors.put(prefix + k, v));
            if (model.classifier() != null) {
                tensors.put(CLASSIFIER_WEIGHT, model.classifier().weight());
                tensors.put(CLASSIFIER_BIAS, model.classifier().bias());
            }
            // transformers checks this metadata key before loading a safetensors file.
            SafeTensors.write(temporary.resolve(WEIGHTS), tensors, Map.of("format", "pt"), SafeTensors.Dtype.F32);
            BertConfigJson.write(temporary.resolve(CONFIG), model.configFile());
            Files.copy(tokenizerJson, temporary.resolve(TOKENIZER));
        });
    }

    /** Fills a new folder's files. */
    @FunctionalInterface
    public interface FolderWriter {
        void write(Path folder) throws IOException;
    }

    /**
     * Writes the new folder {@code target} (refused, naming it as {@code what}, if it exists): {@code files} fills a
     * temporary sibling, which is made readable and renamed to {@code target}; on failure it is deleted, so a
     * reader never sees a half-written folder.
     */
    public static void writeNew(Path target, String what, FolderWriter files) throws IOException {
        Path absolute = target.toAbsolutePath();
        if (Files.exists(absolute)) {
            throw new IllegalArgumentException(what + " " + absolute + " already exists; choose a new folder");
        }
        Files.createDirectories(absolute.getParent());
        Path temporary = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".tmp");
        boolean done = false;
        try {
            files.write(temporary);
            makeReadable(temporary);
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) {
                deleteRecursively(temporary);
            }
        }
    }

    /**
     * Temporary files and folders are created private (0600 / 0700); an exported model is for other tools
     * and users to read, so it gets the usual 0644 / 0755 (on POSIX file systems).
     */
    public static void makeReadable(Path folder) throws IOException {
        if (!folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.toList()) {
                Files.setPosixFilePermissions(p, Files.isDirectory(p) ? DIRECTORY : FILE);
            }
        }
    }

    private static void requireFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("Hugging Face model folder " + folder + " does not exist");
        }
        if (!Files.isRegularFile(folder.resolve(WEIGHTS))) {
            String hint = Files.exists(folder.resolve("pytorch_model.bin"))
                    ? "; it has pytorch_model.bin, a pickled checkpoint SparkFT never loads: convert it with "
                    + "model.save_pretrained(dir, safe_serialization=True)"
                    : Files.exists(folder.resolve(WEIGHTS + ".index.json"))
                    ? "; sharded checkpoints are not supported" : "";
            throw new IllegalArgumentException(folder + " has no " + WEIGHTS + hint);
        }
        if (!Files.isRegularFile(folder.resolve(CONFIG))) {
            throw new IllegalArgumentException(folder + " has no " + CONFIG);
        }
        tokenizerJson(folder);
    }

    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

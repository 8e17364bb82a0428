package dev.sparkft.bert;

import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertConfigFile;
import dev.sparkft.hf.BertConfigJson;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.hf.HuggingFaceFolder;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.onnx.BertOnnxImporter;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.onnx.OnnxModelReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a BERT classifier's starting weights come from, as option {@code weights} names it: {@code random}
 * (seeded HF initialisation), a Hugging Face folder (config.json + model.safetensors), an ONNX export of a
 * {@code BertModel} ({@code *.onnx}) or {@code bundled:all-minilm-l6-v2} (the ONNX graph in the classpath jar).
 * Driver side only. Describing a folder ({@link #configFile()}) reads config.json and model.safetensors' header
 * (checked to agree); its tensors are read by {@link #load}. An ONNX graph has no config, so it is imported
 * once, when parsed, and holds its weights.
 */
public sealed interface BertWeightsSource {
    String RANDOM = "random";
    String BUNDLED_MINILM = "bundled:all-minilm-l6-v2";
    String KEY = "model.options.weights";

    /** The architecture (and a checkpoint's classifier labels) the source defines; empty for random weights. */
    Optional<BertConfigFile> configFile();

    /** Reads the weights; {@code config} and {@code seed} shape and seed random ones. */
    HuggingFaceBert load(BertConfig config, long seed);

    /** The source {@code value} names; files are read through {@code files} (a missing one fails naming it). */
    static BertWeightsSource parse(String value, ModelFiles files) {
        if (value.equals(RANDOM)) {
            return new Random();
        }
        if (value.equals(BUNDLED_MINILM)) {
            try {
                return new Imported(BUNDLED_MINILM, BundledMiniLm.importWeights());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the bundled " + BundledMiniLm.ONNX_RESOURCE, e);
            }
        }
        if (value.startsWith("bundled:")) {
            throw new IllegalArgumentException("option '" + KEY + "' = '" + value
                    + "': the only bundled model is " + BUNDLED_MINILM);
        }
        Path path = files.local(KEY, value);
        if (value.endsWith(".onnx")) {
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("option '" + KEY + "': ONNX file " + value + " is not a file");
            }
            try {
                return new Imported("ONNX file " + value,
                        BertOnnxImporter.importWeights(OnnxModelReader.read(path), value));
            } catch (IOException e) {
                throw new UncheckedIOException("option '" + KEY + "': cannot read ONNX file " + value + ": "
                        + e.getMessage(), e);
            }
        }
        if (Files.isDirectory(path)) {
            return new Folder(path, value);
        }
        throw new IllegalArgumentException("option '" + KEY + "' = '" + value + "' is neither 'random', '"
                + BUNDLED_MINILM + "', an existing *.onnx file nor a Hugging Face folder (config.json +"
                + " model.safetensors)");
    }

    /** Seeded Hugging Face-style initialisation ({@link RandomBertWeights}). */
    record Random() implements BertWeightsSource {
        @Override
        public Optional<BertConfigFile> configFile() {
            return Optional.empty();
        }

        @Override
        public HuggingFaceBert load(BertConfig config, long seed) {
            return new HuggingFaceBert(RandomBertWeights.encoder(config, seed), BertArchitecture.BERT_MODEL, null);
        }

        @Override
        public String toString() {
            return RANDOM;
        }
    }

    /**
     * A Hugging Face model folder.
     *
     * @param path  where the driver reads it (the option's folder, or a local copy of it)
     * @param given the option's value, for messages
     */
    record Folder(Path path, String given) implements BertWeightsSource {
        @Override
        public Optional<BertConfigFile> configFile() {
            BertConfigFile config;
            try {
                config = BertConfigJson.read(path.resolve(HuggingFaceFolder.CONFIG));
            } catch (IOException e) {
                throw new UncheckedIOException("option '" + KEY + "': cannot read " + HuggingFaceFolder.CONFIG
                        + " of Hugging Face folder " + given + ": " + e.getMessage(), e);
            }
            HuggingFaceFolder.requireShapesMatch(path, given, config.config());
            return Optional.of(config);
        }

        @Override
        public HuggingFaceBert load(BertConfig config, long seed) {
            try {
                return HuggingFaceFolder.load(path);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Hugging Face folder " + given + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return "Hugging Face folder " + given;
        }
    }

    /**
     * An ONNX graph of a {@code BertModel} (a file, e.g. sentence-transformers' exports, or the bundled
     * all-MiniLM-L6-v2 ({@link BundledMiniLm}): nothing is downloaded), imported once.
     */
    record Imported(String name, BertWeights weights) implements BertWeightsSource {
        @Override
        public Optional<BertConfigFile> configFile() {
            return Optional.of(new BertConfigFile(weights.config(), BertArchitecture.BERT_MODEL, List.of()));
        }

        @Override
        public HuggingFaceBert load(BertConfig config, long seed) {
            return new HuggingFaceBert(weights, BertArchitecture.BERT_MODEL, null);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}

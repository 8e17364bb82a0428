package dev.sparkft.bert;

import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertConfigFile;
import dev.sparkft.hf.BertConfigJson;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.hf.HuggingFaceFolder;
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
 * Describing a source ({@link #configFile()}) is cheap for a folder (config.json only); an ONNX graph has no
 * config, so it is read whole to infer one.
 */
public sealed interface BertWeightsSource {
    String RANDOM = "random";
    String BUNDLED_MINILM = "bundled:all-minilm-l6-v2";

    /** The architecture (and a checkpoint's classifier labels) the source defines; empty for random weights. */
    Optional<BertConfigFile> configFile();

    /** Reads the weights; {@code config} and {@code seed} shape and seed random ones. */
    HuggingFaceBert load(BertConfig config, long seed);

    static BertWeightsSource parse(String value) {
        if (value.equals(RANDOM)) {
            return new Random();
        }
        if (value.equals(BUNDLED_MINILM)) {
            return new Bundled();
        }
        if (value.startsWith("bundled:")) {
            throw new IllegalArgumentException("option 'model.options.weights' = '" + value
                    + "': the only bundled model is " + BUNDLED_MINILM);
        }
        Path path = Path.of(value);
        if (value.endsWith(".onnx")) {
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("option 'model.options.weights': ONNX file " + path
                        + " does not exist");
            }
            return new OnnxFile(path);
        }
        if (Files.isDirectory(path)) {
            return new Folder(path);
        }
        throw new IllegalArgumentException("option 'model.options.weights' = '" + value + "' is neither 'random', '"
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

    /** A Hugging Face model folder. */
    record Folder(Path path) implements BertWeightsSource {
        @Override
        public Optional<BertConfigFile> configFile() {
            try {
                return Optional.of(BertConfigJson.read(path.resolve(HuggingFaceFolder.CONFIG)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + HuggingFaceFolder.CONFIG + " of " + path, e);
            }
        }

        @Override
        public HuggingFaceBert load(BertConfig config, long seed) {
            try {
                return HuggingFaceFolder.load(path);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Hugging Face folder " + path, e);
            }
        }

        @Override
        public String toString() {
            return "Hugging Face folder " + path;
        }
    }

    /** An ONNX export of a {@code BertModel} (e.g. sentence-transformers' exports). */
    record OnnxFile(Path path) implements BertWeightsSource {
        @Override
        public Optional<BertConfigFile> configFile() {
            return Optional.of(encoderOnly(load(null, 0).encoder()));
        }

        @Override
        public HuggingFaceBert load(BertConfig config, long seed) {
            try {
                BertWeights w = BertOnnxImporter.importWeights(OnnxModelReader.read(path), path.toString());
                return new HuggingFaceBert(w, BertArchitecture.BERT_MODEL, null);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read ONNX file " + path, e);
            }
        }

        @Override
        public String toString() {
            return "ONNX file " + path;
        }
    }

    /** all-MiniLM-L6-v2 from the classpath jar ({@link BundledMiniLm}): nothing is downloaded. */
    record Bundled() implements BertWeightsSource {
        @Override
        public Optional<BertConfigFile> configFile() {
            return Optional.of(encoderOnly(load(null, 0).encoder()));
        }

        @Override
        public HuggingFaceBert load(BertConfig config, long seed) {
            try {
                return new HuggingFaceBert(BundledMiniLm.importWeights(), BertArchitecture.BERT_MODEL, null);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the bundled " + BundledMiniLm.ONNX_RESOURCE, e);
            }
        }

        @Override
        public String toString() {
            return BUNDLED_MINILM;
        }
    }

    private static BertConfigFile encoderOnly(BertWeights weights) {
        return new BertConfigFile(weights.config(), BertArchitecture.BERT_MODEL, List.of());
    }
}

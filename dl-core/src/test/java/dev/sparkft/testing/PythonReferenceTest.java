package dev.sparkft.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the tests look for the reference python, and when its absence fails them. */
class PythonReferenceTest {
    @TempDir
    Path dir;

    @Test
    void propertyThenEnvironmentThenTheRepositorysVenv() throws Exception {
        Path module = Files.createDirectories(dir.resolve("repo/dl-core"));
        Files.createDirectories(dir.resolve("repo/scripts/reference"));
        Files.writeString(dir.resolve("repo/scripts/reference/setup-venv.sh"), "");
        assertEquals(Path.of("/p/python"), PythonReference.python("/p/python", "/e/python", module));
        assertEquals(Path.of("/e/python"), PythonReference.python(" ", "/e/python", module));
        assertEquals(dir.resolve("repo/.venv/bin/python"), PythonReference.python(null, "", module));
        assertEquals(dir.resolve("repo"), PythonReference.repositoryRoot(dir.resolve("repo")));
        assertThrows(IllegalStateException.class, () -> PythonReference.repositoryRoot(dir));
    }

    @Test
    void theModulesOwnRepositoryIsFound() {
        Path root = PythonReference.repositoryRoot(Path.of("").toAbsolutePath());
        assertTrue(Files.exists(root.resolve("dl-core/pom.xml")), root.toString());
    }

    @Test
    void ciIsAnyValueButEmptyFalseOrZero() {
        assertTrue(PythonReference.isCi("true"));
        assertTrue(PythonReference.isCi("1"));
        assertFalse(PythonReference.isCi(null));
        assertFalse(PythonReference.isCi(""));
        assertFalse(PythonReference.isCi("false"));
        assertFalse(PythonReference.isCi("0"));
    }
}

package dev.sparkft.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The Python interpreter of the pinned reference venv (scripts/reference/setup-venv.sh links it as .venv;
 * -Dsparkft.python or SPARKFT_PYTHON point elsewhere). Missing: a failure under CI, a skipped test elsewhere.
 */
final class ReferencePython {
    private ReferencePython() {
    }

    static Path require(Path repo) {
        String configured = System.getProperty("sparkft.python", System.getenv("SPARKFT_PYTHON"));
        Path python = configured != null && !configured.isBlank() ? Path.of(configured) : repo.resolve(".venv/bin/python");
        if (!Files.isExecutable(python)) {
            String message = "no Python reference at " + python + ": run scripts/reference/setup-venv.sh";
            if (System.getenv("CI") != null) {
                throw new AssertionError(message);
            }
            Assumptions.abort(message);
        }
        return python;
    }
}

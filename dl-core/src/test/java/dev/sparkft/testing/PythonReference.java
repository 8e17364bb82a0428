package dev.sparkft.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The Python reference (Hugging Face transformers on PyTorch) that tests compare with, through
 * scripts/reference/*.py. The interpreter is {@code -Dsparkft.python}, else {@code $SPARKFT_PYTHON}, else
 * {@code <repository root>/.venv/bin/python}, the venv scripts/reference/setup-venv.sh links (CI runs it before
 * the tests). Without it a test fails under CI (environment variable CI set) and is skipped elsewhere, with a
 * warning on System.err: a comparison never passes quietly without having run.
 */
public final class PythonReference {
    private static final String SETUP = "scripts/reference/setup-venv.sh";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Class<?>> WARNED = ConcurrentHashMap.newKeySet();

    private PythonReference() {
    }

    /** The interpreter, or the end of the test: a failure under CI, a skip with a warning elsewhere. */
    public static Path require(Class<?> testClass) {
        Path python = python(System.getProperty("sparkft.python"), System.getenv("SPARKFT_PYTHON"),
                Path.of("").toAbsolutePath());
        if (Files.isExecutable(python)) {
            return python;
        }
        String message = "no Python reference at " + python + ": run " + SETUP
                + " (or point -Dsparkft.python / SPARKFT_PYTHON at a python with scripts/reference/requirements.txt)";
        if (isCi(System.getenv("CI"))) {
            fail("the Python reference venv is missing and CI is set, so " + testClass.getSimpleName()
                    + " cannot compare with transformers; " + message);
        }
        if (WARNED.add(testClass)) {
            System.err.println("WARNING: " + testClass.getSimpleName()
                    + " SKIPS its comparison with transformers: " + message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** Runs scripts/reference/{@code script} with {@code args}; fails on a timeout, with its output's tail. */
    public static ChildProcess.Result run(Path python, Duration timeout, String script, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python.toString(),
                repositoryRoot(Path.of("").toAbsolutePath()).resolve("scripts/reference").resolve(script).toString()));
        command.addAll(List.of(args));
        return ChildProcess.run(command, timeout);
    }

    /**
     * Runs a {@code script IN.json OUT.json} reference: writes {@code input} to {@code dir}, fails unless the script
     * exits 0, and returns what it wrote.
     */
    public static JsonNode runJson(Path python, Duration timeout, String script, Path dir, JsonNode input)
            throws IOException, InterruptedException {
        Path in = Files.createTempFile(dir, script, ".in.json");
        Path out = dir.resolve(in.getFileName() + ".out.json");
        JSON.writeValue(in.toFile(), input);
        ChildProcess.Result r = run(python, timeout, script, in.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.tail());
        return JSON.readTree(out.toFile());
    }

    static Path python(String property, String environment, Path workingDirectory) {
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        if (environment != null && !environment.isBlank()) {
            return Path.of(environment);
        }
        return repositoryRoot(workingDirectory).resolve(".venv/bin/python");
    }

    /** The folder above {@code from} (a module's, where Surefire runs the tests) that holds the setup script. */
    static Path repositoryRoot(Path from) {
        for (Path dir = from; dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(SETUP))) {
                return dir;
            }
        }
        throw new IllegalStateException("no folder at or above " + from + " holds " + SETUP);
    }

    static boolean isCi(String value) {
        return value != null && !value.isBlank() && !value.equalsIgnoreCase("false") && !value.equals("0");
    }
}

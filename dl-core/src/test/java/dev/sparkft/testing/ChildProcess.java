package dev.sparkft.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child process for a test with a timeout that can fire: stdout and stderr go to a file, not a pipe (a
 * test that reads a pipe to its end before {@code waitFor} waits as long as the child does, and a chatty child
 * blocks on a full pipe), and a child still running at the timeout is killed with its descendants. The test
 * then fails with the tail of the child's output.
 */
public final class ChildProcess {
    /** Lines of output a failure message shows. */
    static final int TAIL_LINES = 40;

    private ChildProcess() {
    }

    /** Exit status and everything the child wrote to stdout and stderr (interleaved). */
    public record Result(int exitCode, String output) {
        /** The last {@value ChildProcess#TAIL_LINES} lines of the output. */
        public String tail() {
            return ChildProcess.tail(output);
        }
    }

    /** Runs {@code command} to its end, or fails the test once {@code timeout} has passed. */
    public static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("sparkft-child", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail(String.format("%s did not finish in %d s and was killed; the last lines of its output:%n%s",
                        command, timeout.toSeconds(), tail(read(log))));
            }
            return new Result(p.exitValue(), read(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String read(Path log) throws IOException {
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    }

    static String tail(String output) {
        List<String> lines = output.strip().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }
}

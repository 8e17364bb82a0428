package dev.sparkft.spark.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/sparkft} as a separate process: this test JVM's classpath and JVM flags, the CLI's main class and
 * log configuration, optionally under a shell prefix (e.g. {@code ulimit -f}); stdout and stderr are drained
 * as they come, so a chatty child never blocks, and a timeout kills it.
 */
public final class ChildJvm {
    private final Process process;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Thread[] drains;

    private ChildJvm(Process process) {
        this.process = process;
        this.drains = new Thread[] {drain(process.getInputStream(), out), drain(process.getErrorStream(), err)};
    }

    /** Starts {@code sparkft ARGS} after the shell command {@code shellPrefix} (may be empty), in {@code workDir}. */
    public static ChildJvm sparkft(Path workDir, String shellPrefix, List<String> args) {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Djdk.") || a.startsWith("-Dai.djl")) {
                java.add(a);
            }
        }
        java.add("-Xmx1g");
        java.add("-Dlog4j.configurationFile=dev/sparkft/spark/cli/log4j2-cli.properties");
        java.add("-cp");
        java.add(System.getProperty("java.class.path"));
        java.add("dev.sparkft.spark.cli.SparkFtCli");
        java.addAll(args);
        StringBuilder cmd = new StringBuilder(shellPrefix.isEmpty() ? "" : shellPrefix + "; ").append("exec");
        for (String a : java) {
            cmd.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        try {
            return new ChildJvm(new ProcessBuilder("bash", "-c", cmd.toString()).directory(workDir.toFile()).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child JVM", e);
        }
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (to) {
                        to.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "child-jvm-drain");
        t.setDaemon(true);
        t.start();
        return t;
    }

    public Process process() {
        return process;
    }

    /** Waits for the exit code; kills the child and fails after {@code seconds}. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("child JVM still running after " + seconds + " s; stderr:\n" + stderr());
        }
        for (Thread t : drains) {
            t.join(10_000);
        }
        return process.exitValue();
    }

    public String stdout() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    public String stderr() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8);
        }
    }
}

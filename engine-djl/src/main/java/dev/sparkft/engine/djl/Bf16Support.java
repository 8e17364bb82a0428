package dev.sparkft.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Whether this JVM's DJL can compute in bf16, found out in a child JVM (once per JVM, executor side). DJL
 * 0.35.1's own JNI library maps no bf16 dtype and does not fail with an exception: it calls
 * {@code std::terminate}, which kills the whole process (a Spark executor with all its tasks). So the first
 * bf16 cast is tried in a throwaway process with this JVM's classpath, engine settings and environment, and
 * only its exit status comes back.
 */
public final class Bf16Support {
    private static final String OK = "sparkft-bf16-ok";
    private static String failure;
    private static boolean checked;

    private Bf16Support() {
    }

    /** Fails with what to do unless bf16 works here. */
    public static synchronized void require() {
        if (!checked) {
            failure = probe();
            checked = true;
        }
        if (failure != null) {
            throw new IllegalStateException("option 'model.options.precision' = 'bf16' cannot run on this executor: "
                    + failure + ". bf16 needs DJL bound to a libtorch with a JNI library that maps bf16 (PYTORCH_LIBRARY_PATH,"
                    + " PYTORCH_VERSION, PYTORCH_FLAVOR and DJL_CACHE_DIR; see docs/cluster.md, \"bf16\"); the"
                    + " Maven jars' DJL 0.35.1 has none. Use precision fp32 otherwise.");
        }
    }

    private static String probe() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("ai.djl."))
                .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
        command.add("-cp");
        command.add(classpath());
        command.add(Bf16Support.class.getName());
        Path output = null;
        try {
            // Output goes to a file, not a pipe: reading a pipe would block past the timeout on a hung child.
            output = Files.createTempFile("sparkft-bf16-probe", ".log");
            Process child = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!child.waitFor(120, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                return "the bf16 probe process did not finish in 120 s";
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (child.exitValue() == 0 && text.contains(OK)) {
                return null;
            }
            String last = text.strip().lines().reduce((a, b) -> b).orElse("");
            return "a bf16 cast ended the probe process with exit status " + child.exitValue()
                    + (last.isEmpty() ? "" : " (\"" + last + "\")");
        } catch (IOException e) {
            return "the bf16 probe process could not start: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while probing bf16";
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }

    /** The JVM's class path plus the jars of this class and DJL's (on Spark executors those come from the app's class loader). */
    private static String classpath() {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (Class<?> c : List.of(Bf16Support.class, Engine.class, ai.djl.pytorch.engine.PtEngine.class,
                org.slf4j.LoggerFactory.class, com.google.gson.Gson.class)) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException | NullPointerException | SecurityException e) {
                // on the class path already, or not a file: the child does without it
            }
        }
        entries.remove("");
        return String.join(File.pathSeparator, entries);
    }

    /** The probe: a bf16 cast, product and widening; prints {@link #OK} if the process is still alive. */
    public static void main(String[] args) {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray a = m.ones(new Shape(4, 4)).toType(DataType.BFLOAT16, false);
            float sum = a.matMul(a).toType(DataType.FLOAT32, false).sum().getFloat();
            if (sum != 64f) {
                System.out.println("bf16 product of ones(4, 4) summed to " + sum + ", not 64");
                System.exit(1);
            }
        }
        System.out.println(OK);
    }
}

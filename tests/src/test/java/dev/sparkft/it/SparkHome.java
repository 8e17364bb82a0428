package dev.sparkft.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A throw-away SPARK_HOME made from the runtime classpath that Maven wrote for this module
 * ({@code dependency:build-classpath}): a RELEASE file and jars/ with links to every jar, SparkFT's own
 * module jars included, so master, workers, executors and the submitted driver share one classpath.
 */
final class SparkHome {
    private SparkHome() {
    }

    static Path create(Path classpathFile, Path dir) throws IOException {
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException("no classpath file " + classpathFile + "; run the tests module through"
                    + " Maven (mvn verify), whose dependency:build-classpath execution writes it");
        }
        Path jars = Files.createDirectories(dir.resolve("jars"));
        Set<String> names = new HashSet<>();
        for (Path jar : entries(classpathFile)) {
            String name = jar.getFileName().toString();
            // Two artifacts may share a file name; the wildcard classpath only needs distinct link names.
            String link = names.add(name) ? name : names.size() + "-" + name;
            Files.createSymbolicLink(jars.resolve(link), jar);
        }
        Files.writeString(dir.resolve("RELEASE"), "Spark 3.5 (Scala 2.12) jars for the SparkFT cluster test\n");
        return dir;
    }

    /** The jar of SparkFT's trainer (spark-submit's primary resource). */
    static Path trainerJar(Path classpathFile) throws IOException {
        return entries(classpathFile).stream()
                .filter(p -> p.getFileName().toString().startsWith("sparkft-spark-jobs-"))
                .findFirst().orElseThrow(() -> new IllegalStateException(classpathFile + " lacks sparkft-spark-jobs"));
    }

    private static List<Path> entries(Path classpathFile) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String entry : Files.readString(classpathFile).trim().split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(p)) {
                throw new IllegalStateException("classpath entry " + entry + " in " + classpathFile + " is not a jar;"
                        + " the cluster test needs the reactor's packaged module jars (run it with mvn verify)");
            }
            out.add(p);
        }
        return out;
    }
}

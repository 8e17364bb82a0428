package dev.sparkft.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the cluster test deploys, as a platform team would: a stand-in for a stock Spark 3.5 distribution made
 * by cluster-config/make-spark-home.sh (RELEASE, Spark's own runtime jars only, bin/spark-submit) and SparkFT's
 * application jar, which the dist module built (its path comes from failsafe's {@code sparkft.appJar}).
 */
final class SparkHome {
    private SparkHome() {
    }

    /**
     * Runs make-spark-home.sh into {@code dir}, with Maven offline when this build is
     * ({@code sparkft.mavenOffline}) and on this build's local repository ({@code sparkft.mavenRepoLocal}).
     */
    static Path create(Path repoRoot, Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", repoRoot.resolve("cluster-config/make-spark-home.sh").toString(),
                dir.toString()));
        if (Boolean.getBoolean("sparkft.mavenOffline")) {
            cmd.add("-o");
        }
        String repoLocal = System.getProperty("sparkft.mavenRepoLocal", "");
        if (!repoLocal.isBlank()) {
            cmd.add("-Dmaven.repo.local=" + repoLocal);
        }
        Path log = Files.createTempFile("make-spark-home", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(repoRoot.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(300, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            if (!done || p.exitValue() != 0) {
                throw new IllegalStateException("make-spark-home.sh " + dir + (done ? " exited " + p.exitValue()
                        : " timed out") + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        } finally {
            Files.deleteIfExists(log);
        }
        return dir;
    }

    /**
     * A SPARK_HOME of its own for one test ({@code run/} holds that test's daemons' logs and work folders) that
     * shares {@code shared}'s RELEASE, jars/ and bin/ through links.
     */
    static Path linked(Path shared, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : List.of("RELEASE", "jars", "bin")) {
            Files.createSymbolicLink(dir.resolve(name), shared.resolve(name));
        }
        return dir;
    }

    /** The application jar (spark-submit's primary resource). */
    static Path applicationJar() {
        Path jar = Path.of(System.getProperty("sparkft.appJar", "../dist/target/missing.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no application jar " + jar + "; run the tests module through Maven"
                    + " with the dist module (mvn -pl tests -am verify), which packages it first");
        }
        return jar;
    }

    /** The Spark runtime jars in {@code home}'s jars/ (links into the local Maven repository). */
    static List<Path> jars(Path home) throws IOException {
        try (var files = Files.list(home.resolve("jars"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
    }
}

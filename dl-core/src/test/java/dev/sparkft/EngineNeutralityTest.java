package dev.sparkft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the engine-neutral packages ({@code model}, {@code optim}, {@code bert}, {@code hf}, {@code onnx}, {@code eval}, {@code spark.*}, {@code data.*})
 * free of the engines, in the sources of every module: no import of, or qualified reference to,
 * {@code org.deeplearning4j}, {@code ai.djl.ndarray|nn|training|engine|pytorch}, nor ND4J outside
 * {@code optim} (the driver-side optimizer is ND4J by design). Comments and string literals are ignored.
 */
class EngineNeutralityTest {
    private static final List<String> NEUTRAL = List.of(
            "dev.sparkft.model", "dev.sparkft.optim", "dev.sparkft.bert", "dev.sparkft.cnn", "dev.sparkft.hf", "dev.sparkft.onnx", "dev.sparkft.eval", "dev.sparkft.spark", "dev.sparkft.data", "dev.sparkft.tfjs");
    private static final Pattern ENGINE = Pattern.compile(
            "\\b(org\\.deeplearning4j|ai\\.djl\\.(?:ndarray|nn|training|engine|pytorch)|org\\.nd4j)\\.[\\w.*]+");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)", Pattern.MULTILINE);
    /** Block and line comments, and string / char literals (text blocks first), removed before scanning. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "\"\"\"(?s:.*?)\"\"\"|/\\*(?s:.*?)\\*/|//[^\\n]*|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])*'");

    @Test
    void neutralPackagesDoNotReferenceAnEngine() throws IOException {
        Path root = repositoryRoot();
        Map<String, Integer> scanned = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(EngineNeutralityTest::isSource).forEach(file -> {
                String source = read(file);
                Matcher pkg = PACKAGE.matcher(source);
                String name = pkg.find() ? pkg.group(1) : "";
                String neutral = neutralRoot(name);
                if (neutral == null) {
                    return;
                }
                scanned.merge(neutral, 1, Integer::sum);
                for (String reference : engineReferences(source, name)) {
                    violations.add(root.relativize(file) + " (package " + name + ") references " + reference);
                }
            });
        }
        assertTrue(scanned.getOrDefault("dev.sparkft.model", 0) >= 5, "model package not found under " + root + ": " + scanned);
        assertTrue(scanned.getOrDefault("dev.sparkft.optim", 0) >= 5, "optim package not found under " + root + ": " + scanned);
        if (!violations.isEmpty()) {
            fail("engine-neutral packages must not use an engine (move the code to dev.sparkft.engine.*):\n  "
                    + String.join("\n  ", violations));
        }
        System.out.println("engine neutrality: scanned " + scanned);
    }

    /** The scanner itself: what it must flag and what it must let through. */
    @Test
    void scannerFlagsImportsAndQualifiedUsesOnly() {
        String source = """
                package dev.sparkft.spark.driver;
                import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
                import static ai.djl.ndarray.NDArrays.add;
                import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
                // ai.djl.pytorch.engine.PtEngine in a comment is fine
                class X { Object o = new org.nd4j.linalg.factory.Nd4j(); String s = "ai.djl.nn.Block"; }
                """;
        assertEquals(List.of("org.deeplearning4j.nn.multilayer.MultiLayerNetwork", "ai.djl.ndarray.NDArrays.add",
                "org.nd4j.linalg.factory.Nd4j"), engineReferences(source, "dev.sparkft.spark.driver"));
        assertEquals(List.of(), engineReferences("import org.nd4j.linalg.api.ndarray.INDArray;", "dev.sparkft.optim"));
        assertEquals("dev.sparkft.data", neutralRoot("dev.sparkft.data.text"));
        assertEquals(null, neutralRoot("dev.sparkft.engine.dl4j"));
        assertEquals(null, neutralRoot("dev.sparkft.modelzoo"));
    }

    /**
     * Each engine is its own Maven module with its own ServiceLoader registration, and the modules that hold the
     * trainer and the data pipelines reach the engines only at run time: an engine import there would not compile,
     * and a deployment may leave an engine off the classpath.
     */
    @Test
    void enginesAreRunTimePlugInsInTheirOwnModules() throws IOException {
        Path root = repositoryRoot();
        for (String engine : List.of("djl", "dl4j")) {
            Path module = root.resolve("engine-" + engine);
            Path services = module.resolve("src/main/resources/META-INF/services/dev.sparkft.model.ModelEngine");
            assertTrue(Files.isRegularFile(services), "engine module engine-" + engine + " has no " + services);
            for (String line : Files.readAllLines(services)) {
                assertTrue(line.isBlank() || line.startsWith("dev.sparkft.engine." + engine + "."),
                        services + " registers '" + line + "', which is not this module's engine");
            }
        }
        assertTrue(Files.notExists(root.resolve("dl-core/src/main/resources/META-INF/services/dev.sparkft.model.ModelEngine")),
                "dl-core must not register an engine");
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(EngineNeutralityTest::isSource).forEach(file -> {
                Matcher pkg = PACKAGE.matcher(read(file));
                String name = pkg.find() ? pkg.group(1) : "";
                if (name.startsWith("dev.sparkft.engine.")) {
                    String engine = name.split("\\.")[3];
                    assertTrue(root.relativize(file).startsWith("engine-" + engine),
                            file + " (package " + name + ") must live in module engine-" + engine);
                }
            });
        }
        Pattern dependency = Pattern.compile("<dependency>(?s:(.*?))</dependency>");
        Pattern engineArtifact = Pattern.compile(
                "<artifactId>(sparkft-engine-[\\w-]+|deeplearning4j-nn|pytorch-engine|pytorch-jni)</artifactId>");
        for (String module : List.of("dl-core", "data-pipelines", "spark-jobs")) {
            Matcher d = dependency.matcher(read(root.resolve(module).resolve("pom.xml")));
            while (d.find()) {
                Matcher artifact = engineArtifact.matcher(d.group(1));
                if (artifact.find()) {
                    assertTrue(d.group(1).contains("<scope>runtime</scope>") || d.group(1).contains("<scope>test</scope>"),
                            module + "/pom.xml depends on " + artifact.group(1) + " at compile scope; engines are run-time"
                                    + " plug-ins (scope runtime)");
                }
            }
        }
    }

    private static List<String> engineReferences(String source, String pkg) {
        boolean optim = pkg.equals("dev.sparkft.optim") || pkg.startsWith("dev.sparkft.optim.");
        Matcher m = ENGINE.matcher(NOT_CODE.matcher(source).replaceAll(" "));
        List<String> found = new ArrayList<>();
        while (m.find()) {
            if (!(optim && m.group(1).equals("org.nd4j"))) {
                found.add(m.group());
            }
        }
        return found;
    }

    private static String neutralRoot(String pkg) {
        for (String n : NEUTRAL) {
            if (pkg.equals(n) || pkg.startsWith(n + ".")) {
                return n;
            }
        }
        return null;
    }

    private static boolean isSource(Path p) {
        String s = p.toString();
        return (s.endsWith(".java") || s.endsWith(".scala")) && s.contains("/src/")
                && !s.contains("/target/") && !s.contains("/.git/") && !s.contains("/node_modules/");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Walks up from the working directory to the folder holding both dl-core/ and spark-jobs/. */
    private static Path repositoryRoot() {
        Path start = Paths.get("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("dl-core")) && Files.isDirectory(p.resolve("spark-jobs"))) {
                return p;
            }
        }
        throw new IllegalStateException("no folder with dl-core/ and spark-jobs/ above " + start);
    }
}

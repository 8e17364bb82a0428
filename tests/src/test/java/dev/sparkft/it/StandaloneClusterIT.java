package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.Checkpoint;
import dev.sparkft.spark.driver.CheckpointStore;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.testing.Blobs;
import dev.sparkft.spark.testing.ReferenceTrainer;
import dev.sparkft.spark.testing.TestRuns;
import dev.sparkft.spark.testing.TestSpark;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.LongStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer on a real standalone cluster, deployed as on a stock Spark 3.5: a master and two one-core workers
 * (separate JVMs on 127.0.0.1, started by cluster-config/sparkft-cluster.sh from a SPARK_HOME that holds only
 * Spark's own jars, with its security defaults: authentication, encryption, UI ACLs), a driver JVM started by that
 * SPARK_HOME's bin/spark-submit with cluster-config/spark-defaults.conf as its only properties and the application
 * jar (dist module) as primary resource, so SparkFT, DL4J, DJL and their natives reach driver and executors in that
 * jar alone (natives extracted into cache folders empty at the start, with DJL offline). It trains a DL4J CNN on a slice of the real Fashion-MNIST sample with four
 * partitions on the two executors. Its final parameters must equal a local-mode run of the same config bit
 * for bit, with its vectors in many chunks and one executor killed mid-run: the cluster changes where gradients
 * are computed, not what they are, and partitions are summed in partition order (docs/determinism.md). Also: a driver without the cluster's secret is refused, and a driver
 * killed with SIGKILL after a checkpoint resumes to the uninterrupted run's bits.
 */
class StandaloneClusterIT {
    private static final int STEPS = 6;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path repo;
    static Path sparkHome;
    static Path appJar;

    @TempDir
    Path dir;
    Path home;
    int port;
    int uiPort;

    @BeforeAll
    static void sparkHome() throws Exception {
        repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath().normalize();
        appJar = SparkHome.applicationJar();
        long start = System.nanoTime();
        sparkHome = SparkHome.create(repo, shared.resolve("spark-home"));
        System.out.printf("make-spark-home.sh: %d Spark jars in %.1f s%n", SparkHome.jars(sparkHome).size(),
                (System.nanoTime() - start) / 1e9);
    }

    @BeforeEach
    void testHome() throws IOException {
        home = SparkHome.linked(sparkHome, dir.resolve("spark-home"));
        // Free ports rather than fixed ones: other checkouts on a shared machine run this test at the same time.
        port = freePort();
        uiPort = freePort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The cluster run, with its vectors in many small chunks (4 KB: the CNN's 5,370 parameters as 6 broadcasts and
     * 6 reduce-scatter slices per round) and one executor JVM killed with SIGKILL in the middle of the run: Spark reruns the lost
     * tasks on the other executor (and on the one the worker starts in its place), and the final parameters equal
     * the undisturbed, unchunked local-mode run's bit for bit.
     */
    @Test
    void clusterRunWithAnExecutorKilledMatchesLocalModeBitForBit() throws Exception {
        int steps = 10;
        Blobs data = FashionSlice.write(TestSpark.session(), dir, 512);
        String yaml = FashionSlice.config(data.path(), 4, steps);

        Path clusterYaml = dir.resolve("cluster.yaml");
        Path out = dir.resolve("cluster-run");
        Files.writeString(clusterYaml, yaml.replace("OUT", out.toString())
                .replace("MASTER", "spark://127.0.0.1:" + port)
                .replace("steps: " + steps + "}", "steps: " + steps + ", communication: {chunkBytes: 4096}}"));
        long start = System.nanoTime();
        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, port, uiPort, 2)) {
            Path logFile = dir.resolve("driver.log");
            Process driver = submit(clusterYaml, logFile, cluster.secretFile(), List.of());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (driver.isAlive() && System.nanoTime() < deadline
                    && metricsSteps(out.resolve("metrics.jsonl")).stream().noneMatch(s -> s >= 2)) {
                Thread.sleep(20);
            }
            assertTrue(driver.isAlive(), "the driver ended before an executor could be killed:\n"
                    + tail(Files.readString(logFile), 40));
            ProcessHandle executor = executors(home).get(0);
            executor.destroyForcibly(); // SIGKILL
            executor.onExit().get(30, TimeUnit.SECONDS);
            System.out.printf("killed executor pid %d after steps %s%n", executor.pid(),
                    metricsSteps(out.resolve("metrics.jsonl")));
            boolean done = driver.waitFor(150, TimeUnit.SECONDS);
            String log = Files.readString(logFile);
            assertTrue(done && driver.exitValue() == 0, "driver " + (done ? "exited " + driver.exitValue()
                    : "timed out") + ":\n" + tail(log, 60) + "\n" + cluster.logs());
            assertTrue(log.contains("spark://127.0.0.1:" + port), "the driver used the standalone master:\n" + tail(log, 30));
            assertTrue(log.contains("SecurityManager: authentication enabled"), "the driver authenticated:\n" + tail(log, 30));
            assertTrue(log.contains("Lost executor"), "the driver saw the executor go:\n" + tail(log, 60));
            System.out.printf("driver log after the kill: %d lost tasks, %d executors started in all%n",
                    log.split("Lost task").length - 1, executorLogs(home).split("Spark Executor Command").length - 1);
            // ND4J's natives: JavaCPP extracts them from the application jar on the executors.
            assertExtracted("javacpp", "libjnind4jcpu.so", true, executorLogs(home));
        }
        System.out.printf("cluster run (start, submit, %d steps with an executor killed, stop): %.1f s%n", steps,
                (System.nanoTime() - start) / 1e9);

        TrainConfig local = ConfigLoader.parse(yaml.replace("OUT", dir.resolve("local-run").toString())
                .replace("MASTER", "local[2]"), false, List.of());
        TrainingResult expected = TestRuns.train(local, false);
        TrainConfig clusterConfig = ConfigLoader.load(clusterYaml, List.of());
        assertEquals(4096, clusterConfig.training().communication().chunkBytes());
        Checkpoint end = new CheckpointStore(clusterConfig.checkpoint().dir(), new Configuration(), 1).latest()
                .orElseThrow(() -> new AssertionError("the cluster run wrote no checkpoint"));
        assertEquals(steps, end.step());
        assertBitEqual(expected.params(), end.params(),
                "standalone cluster (4 partitions, 2 executors, 4 KB chunks, one executor killed) vs local[2]");
        assertTrue(expected.losses()[steps - 1] < expected.losses()[0], "the model trains");
        // Every round's telemetry came through the listener bus: a finite skew and an executor of the cluster.
        int rounds = 0;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode round = JSON.readTree(line);
            if (round.has("roundMs")) {
                assertTrue(round.get("taskSkew").asDouble() >= 1, line);
                assertTrue(round.get("slowestExecutor").asText().matches("\\d+ \\(127\\.0\\.0\\.1\\)"), line);
                rounds++;
            }
        }
        assertTrue(rounds >= steps, rounds + " round lines");
    }

    /** The executor JVMs of the cluster in {@code home} (their working folders are under its run/ folder). */
    private static List<ProcessHandle> executors(Path home) {
        Path run = home.resolve("run").toAbsolutePath().normalize();
        List<ProcessHandle> found = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .filter(p -> {
                    try {
                        return Path.of("/proc", Long.toString(p.pid()), "cwd").toRealPath().startsWith(run.toRealPath());
                    } catch (IOException e) {
                        return false; // gone, or another user's
                    }
                }).toList();
        assertFalse(found.isEmpty(), "no executor JVM runs in " + run);
        return found;
    }

    /**
     * The application jar as the cluster sees it: SparkFT's CLI as Main-Class; the engines, ND4J's backend and DJL's
     * engine registered for ServiceLoader; linux-x86_64 natives of ND4J (JavaCPP), libtorch and DJL's JNI library;
     * no jar signatures; Gson only relocated; and no class that Spark's own jars also hold. Spark's class loader
     * is asked first, so such a class would be Spark's copy whatever the jar carried: the jar leaves out what
     * Spark has in the same version and relocates what it has in another.
     */
    @Test
    void applicationJarCarriesSparkFtAndNoClassOfSpark() throws Exception {
        Map<String, String> sparkClasses = new HashMap<>();
        for (Path jar : SparkHome.jars(sparkHome)) {
            try (JarFile j = new JarFile(jar.toFile())) {
                j.stream().map(JarEntry::getName).filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/"))
                        .forEach(n -> sparkClasses.putIfAbsent(n, jar.getFileName().toString()));
            }
        }
        try (JarFile jar = new JarFile(appJar.toFile())) {
            assertEquals("dev.sparkft.spark.cli.SparkFtCli", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            // Each engine module registers its own engine; the jar must carry the union of both files.
            Set<String> engines = new TreeSet<>();
            for (String module : List.of("engine-djl", "engine-dl4j")) {
                Set<String> registered = services(Files.readString(repo.resolve(
                        module + "/src/main/resources/META-INF/services/dev.sparkft.model.ModelEngine")));
                assertFalse(registered.isEmpty(), module + " registers no engine");
                engines.addAll(registered);
            }
            assertEquals(engines, services(entry(jar, "META-INF/services/dev.sparkft.model.ModelEngine")), "SparkFT's engines");
            assertTrue(services(entry(jar, "META-INF/services/org.nd4j.linalg.factory.Nd4jBackend"))
                    .contains("org.nd4j.linalg.cpu.nativecpu.CpuBackend"), "ND4J's CPU backend");
            assertTrue(services(entry(jar, "META-INF/services/ai.djl.engine.EngineProvider"))
                    .contains("ai.djl.pytorch.engine.PtEngineProvider"), "DJL's PyTorch engine");
            for (String lib : List.of("org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libjnind4jcpu.so",
                    "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libnd4jcpu.so",
                    "org/bytedeco/openblas/linux-x86_64/libopenblas.so.0", "native/lib/pytorch.properties",
                    "pytorch/cpu/linux-x86_64/libtorch_cpu.so", "jnilib/linux-x86_64/cpu/libdjl_torch.so",
                    "native/lib/linux-x86_64/cpu/libtokenizers.so")) {
                assertTrue(jar.getEntry(lib) != null, "the jar lacks " + lib);
            }
            List<String> names = jar.stream().map(JarEntry::getName).toList();
            assertEquals(List.of(), names.stream().filter(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)")).toList(),
                    "signature files of the merged jars");
            assertEquals(List.of(), names.stream().filter(n -> n.startsWith("com/google/gson/")).limit(3).toList(),
                    "Gson outside its relocated package");
            assertTrue(names.contains("dev/sparkft/shaded/com/google/gson/Gson.class"), "relocated Gson");
            List<String> shadowed = names.stream().filter(sparkClasses::containsKey)
                    .map(n -> n + " (also in " + sparkClasses.get(n) + ")").toList();
            assertEquals(List.of(), shadowed.subList(0, Math.min(10, shadowed.size())), shadowed.size()
                    + " classes of the application jar are also in Spark's jars (" + sparkClasses.size() + " classes)");
            System.out.printf("application jar: %d entries, %.0f MB; no class among Spark's %d%n", names.size(),
                    Files.size(appJar) / 1e6, sparkClasses.size());
        }
    }

    private static String entry(JarFile jar, String name) throws IOException {
        JarEntry e = jar.getJarEntry(name);
        assertTrue(e != null, "the application jar lacks " + name);
        try (var in = jar.getInputStream(e)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The class names of a ServiceLoader file (comments and blank lines dropped). */
    private static Set<String> services(String text) {
        return text.lines().map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty())
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }

    /**
     * The DJL BERT engine on the cluster, with every worker offering one GPU through a discovery script that
     * reports address 0 (this machine has no GPU) and each task asking for one: executors must hand the task's
     * GPU address to the engine, which, on the Maven jars' CPU-only libtorch, says so and computes on the CPU.
     * Four partitions on the two executors; parameters after the cluster run must equal local mode's bit for bit
     * (one libtorch thread per task, docs/determinism.md).
     */
    @Test
    void djlClusterRunWithAssignedGpusMatchesLocalMode() throws Exception {
        Path train = dir.resolve("tiny-bert");
        TinyBertSlice.write(TestSpark.session(), TinyBertSlice.rows(3), train);
        Path discovery = dir.resolve("one-gpu.sh");
        Files.writeString(discovery, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        Files.setPosixFilePermissions(discovery, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path clusterYaml = dir.resolve("djl-cluster.yaml");
        Files.writeString(clusterYaml, TinyBertSlice.config("djl-cluster", "spark://127.0.0.1:" + port,
                dir.resolve("djl-cluster-run"), train, 4, STEPS));

        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, port, uiPort, 2,
                List.of("--gpus", "1", "--gpu-script", discovery.toString()))) {
            runDriver(cluster, clusterYaml, dir.resolve("djl-driver.log"),
                    "--conf", "spark.executor.resource.gpu.amount=1", "--conf", "spark.task.resource.gpu.amount=1");
            String executors = executorLogs(home);
            assertTrue(executors.contains("was assigned gpu:0"), "the engine saw the task's GPU address:\n"
                    + tail(executors, 40));
            // DJL's libtorch and JNI library, from the application jar into a DJL_CACHE_DIR empty at the start, with
            // DJL offline (the properties file's executor options).
            assertTrue(executors.contains("-Dai.djl.offline=true"), "DJL offline on the executors:\n" + tail(executors, 40));
            assertExtracted("djl", "libtorch_cpu.so", false, executors);
            assertExtracted("djl", "libdjl_torch.so", false, executors);
        }
        TrainingResult expected = TestRuns.train(ConfigLoader.parse(TinyBertSlice.config("djl-local", "local[2]",
                dir.resolve("djl-local-run"), train, 4, STEPS), false, List.of()), false);
        TrainConfig clusterConfig = ConfigLoader.load(clusterYaml, List.of());
        Checkpoint end = new CheckpointStore(clusterConfig.checkpoint().dir(), new Configuration(), 1).latest()
                .orElseThrow(() -> new AssertionError("the DJL cluster run wrote no checkpoint"));
        assertEquals(STEPS, end.step());
        assertBitEqual(expected.params(), end.params(),
                "DJL BERT, standalone cluster (4 partitions, 2 executors, GPU addresses assigned) vs local[2]");
    }

    /**
     * The secured master refuses a driver that does not authenticate (spark.authenticate=false) and one with a
     * wrong secret: the driver's registration fails with the master's authentication error, and the master
     * registers no application. Spark's client would retry for a minute; the drivers are killed once refused.
     */
    @Test
    void driversWithoutTheClusterSecretAreRefused() throws Exception {
        Path yaml = dir.resolve("refused.yaml");
        Blobs data = FashionSlice.write(TestSpark.session(), dir, 64);
        Files.writeString(yaml, FashionSlice.config(data.path(), 2, 2).replace("OUT", dir.resolve("refused").toString())
                .replace("MASTER", "spark://127.0.0.1:" + port));
        long start = System.nanoTime();
        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, port, uiPort, 0)) {
            String plain = refusedDriver(cluster, submit(yaml, dir.resolve("plain.log"), null, List.of(),
                    "--conf", "spark.authenticate=false", "--conf", "spark.network.crypto.enabled=false"),
                    dir.resolve("plain.log"), "Unknown challenge message");
            assertTrue(plain.contains("Unknown challenge message"), "refused for not authenticating:\n" + tail(plain, 40));

            Path wrong = dir.resolve("wrong-secret");
            Files.writeString(wrong, "0123456789abcdef\n");
            Files.setPosixFilePermissions(wrong, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            String mismatched = refusedDriver(cluster, submit(yaml, dir.resolve("wrong.log"), wrong, List.of()),
                    dir.resolve("wrong.log"), "Authentication failed");
            // Spark names the cause only if an attempt's error arrives before the master drops the connection; on a
            // loaded machine all three attempts may see the connection dropped and the client give up. The master logs
            // nothing at INFO either way, so a refusal without the cause counts: the plain driver above shows what
            // refuses, and the master registered nothing (below).
            assertTrue(mismatched.contains("Authentication failed")
                    || mismatched.contains("All masters are unresponsive"), "refused for a wrong secret:\n"
                    + tail(mismatched, 40));
            assertFalse(cluster.logs().contains("Registering app"), "the master registered no application:\n"
                    + cluster.logs());
        }
        System.out.printf("two refused drivers (start, 2 submits, stop): %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /**
     * Waits up to 70 s for {@code driver}'s failed registration with the master, with {@code cause} in its log, kills
     * it, returns its log. Spark's client tries to register three times, 20 s apart; one attempt may see the master
     * close the connection ("Outbox is stopped") before the authentication error arrives, so a later attempt may be
     * the one that shows the cause.
     */
    private String refusedDriver(StandaloneCluster cluster, Process driver, Path log, String cause) throws Exception {
        String refused = "Failed to connect to master 127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(70);
        while (System.nanoTime() < deadline && driver.isAlive()) {
            String text = Files.readString(log);
            if (text.contains(refused) && (text.contains(cause) || text.contains("All masters are unresponsive"))) {
                break;
            }
            Thread.sleep(200);
        }
        Thread.sleep(500); // the rest of the stack trace follows the line
        driver.destroyForcibly().waitFor();
        String text = Files.readString(log);
        assertTrue(text.contains(refused), "the master refused the driver:\n" + tail(text, 60) + "\n" + cluster.logs());
        return text;
    }

    /**
     * The driver JVM killed with SIGKILL right after a checkpoint (and after the next round's metrics line), then
     * the same command with --resume: the final parameters equal an uninterrupted run's bit for bit, and
     * metrics.jsonl holds every step once.
     */
    @Test
    void driverKilledAfterACheckpointResumesToTheUninterruptedBits() throws Exception {
        int steps = 12;
        Blobs data = FashionSlice.write(TestSpark.session(), dir, 512);
        String yaml = FashionSlice.config(data.path(), 4, steps) + "checkpoint: {everySteps: 4, keepLast: 5}\n";
        Path clusterYaml = dir.resolve("fault.yaml");
        Path out = dir.resolve("fault-run");
        Files.writeString(clusterYaml, yaml.replace("OUT", out.toString()).replace("MASTER", "spark://127.0.0.1:" + port));
        Path checkpoint = out.resolve("checkpoints").resolve("step-000000000004.ckpt");
        Path metrics = out.resolve("metrics.jsonl");
        long start = System.nanoTime();
        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, port, uiPort, 2)) {
            long started = System.nanoTime();
            Path log = dir.resolve("killed.log");
            Process driver = submit(clusterYaml, log, cluster.secretFile(), List.of());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (driver.isAlive() && System.nanoTime() < deadline
                    && !(Files.exists(checkpoint) && metricsSteps(metrics).contains(4L))) {
                Thread.sleep(20);
            }
            assertTrue(driver.isAlive(), "the driver ended before it could be killed:\n" + tail(Files.readString(log), 40));
            driver.destroyForcibly(); // SIGKILL: no shutdown hooks, no listener close
            assertTrue(driver.waitFor(30, TimeUnit.SECONDS));
            long killed = System.nanoTime();
            List<Long> before = metricsSteps(metrics);
            try (var files = Files.list(checkpoint.getParent())) {
                System.out.printf("driver killed (exit %d) with checkpoints %s and metrics lines for steps %s%n",
                        driver.exitValue(), files.map(p -> p.getFileName().toString()).sorted().toList(), before);
            }
            assertTrue(before.size() < steps, "killed before the end: " + before);

            String resumed = runDriver(cluster, clusterYaml, dir.resolve("resumed.log"), List.of("--resume"));
            assertTrue(resumed.contains("sparkft: trained steps "), tail(resumed, 20));
            System.out.printf("cluster start %.1f s, first driver until killed %.1f s, resumed driver %.1f s%n",
                    (started - start) / 1e9, (killed - started) / 1e9, (System.nanoTime() - killed) / 1e9);
        }
        System.out.printf("driver SIGKILL + --resume on the cluster (start, 2 submits, stop): %.1f s%n",
                (System.nanoTime() - start) / 1e9);

        TrainingResult uninterrupted = TestRuns.train(ConfigLoader.parse(yaml.replace("OUT",
                dir.resolve("uninterrupted").toString()).replace("MASTER", "local[2]"), false, List.of()), false);
        Checkpoint end = new CheckpointStore(out.resolve("checkpoints").toString(), new Configuration(), 1).latest()
                .orElseThrow(() -> new AssertionError("the resumed run wrote no checkpoint"));
        assertEquals(steps, end.step());
        assertBitEqual(uninterrupted.params(), end.params(), "killed + resumed on the cluster vs uninterrupted local[2]");
        List<Long> lines = metricsSteps(metrics);
        assertEquals(LongStream.range(0, steps).boxed().toList(), lines.stream().sorted().toList(),
                "metrics.jsonl must hold every step once, in any order; steps of its lines: " + lines);
    }

    /**
     * DiLoCo-style averaging with int8 deltas on the cluster: the partitions' inner momentum and residuals live on
     * the executors between rounds. An executor is killed after the step-4 checkpoint. Either the states the next
     * rounds need survived on the other executor and the run goes on, or the run stops saying a partition's state
     * was lost and {@code --resume} continues from the checkpoint; both must end on local mode's bits, states
     * included.
     */
    @Test
    void averagingWithCompressedDeltasSurvivesAnExecutorKillToLocalModesBits() throws Exception {
        int steps = 12;
        Blobs data = FashionSlice.write(TestSpark.session(), dir, 512);
        String yaml = FashionSlice.config(data.path(), 4, steps).replace("training: {mode: sync,", "training: {mode:"
                + " averaging, averaging: {localSteps: 2, outer: {type: nesterov, learningRate: 0.7, momentum: 0.9}},"
                + " communication: {chunkBytes: 4096, compression: {type: int8, blockSize: 64}},")
                + "checkpoint: {everySteps: 4, keepLast: 5}\n";
        Path clusterYaml = dir.resolve("diloco.yaml");
        Path out = dir.resolve("diloco-run");
        Files.writeString(clusterYaml, yaml.replace("OUT", out.toString()).replace("MASTER", "spark://127.0.0.1:" + port));
        Path checkpoint = out.resolve("checkpoints").resolve("step-000000000004.ckpt");
        String outcome;
        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, port, uiPort, 2)) {
            Path log = dir.resolve("diloco.log");
            Process driver = submit(clusterYaml, log, cluster.secretFile(), List.of());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (driver.isAlive() && System.nanoTime() < deadline && !Files.exists(checkpoint)) {
                Thread.sleep(20);
            }
            assertTrue(driver.isAlive(), "the driver ended before an executor could be killed:\n"
                    + tail(Files.readString(log), 40));
            ProcessHandle executor = executors(home).get(0);
            executor.destroyForcibly();
            executor.onExit().get(30, TimeUnit.SECONDS);
            assertTrue(driver.waitFor(150, TimeUnit.SECONDS), "the driver timed out");
            String text = Files.readString(log);
            if (driver.exitValue() == 0) {
                outcome = "the run went on (the states it needed were on the other executor)";
            } else {
                assertTrue(text.contains("was lost with its executor") && text.contains("--resume"),
                        "a failed run must say the state was lost and how to continue:\n" + tail(text, 40));
                runDriver(cluster, clusterYaml, dir.resolve("diloco-resumed.log"), List.of("--resume"));
                outcome = "the run stopped naming the lost state; --resume finished it";
            }
        }
        System.out.println("executor killed during DiLoCo + int8: " + outcome);

        TrainingResult expected = TestRuns.train(ConfigLoader.parse(yaml.replace("OUT",
                dir.resolve("diloco-local").toString()).replace("MASTER", "local[2]"), false, List.of()), false);
        CheckpointStore local = new CheckpointStore(dir.resolve("diloco-local/checkpoints").toString(),
                new Configuration(), 1);
        Checkpoint end = new CheckpointStore(out.resolve("checkpoints").toString(), new Configuration(), 1).latest()
                .orElseThrow(() -> new AssertionError("the cluster run wrote no checkpoint"));
        Checkpoint localEnd = local.latest().orElseThrow();
        assertEquals(steps, end.step());
        assertBitEqual(expected.params(), end.params(), "DiLoCo + int8 on the cluster (" + outcome + ") vs local[2]");
        assertEquals(4, end.partitions().size());
        for (int p = 0; p < 4; p++) {
            for (String name : localEnd.partitions().get(p).arrays().keySet()) {
                assertBitEqual(localEnd.partitions().get(p).arrays().get(name), end.partitions().get(p).arrays().get(name),
                        "partition " + p + "'s " + name);
            }
        }
        assertEquals(java.util.Set.of("inner.momentum_buffer", "residual"), end.partitions().get(0).arrays().keySet());
    }

    /** The {@code step} of every round line (one with a loss) in a metrics.jsonl; empty if there is none yet. */
    private static List<Long> metricsSteps(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            // A line being written may be incomplete: only whole JSON objects count.
            if (line.endsWith("}")) {
                JsonNode node = JSON.readTree(line);
                if (node.has("loss")) {
                    steps.add(node.get("step").asLong());
                }
            }
        }
        return steps;
    }

    /** Submits the trainer with {@code config}, waits up to 150 s and fails with both logs unless it succeeded. */
    private String runDriver(StandaloneCluster cluster, Path config, Path log, String... conf) throws Exception {
        return runDriver(cluster, config, log, List.of(), conf);
    }

    private String runDriver(StandaloneCluster cluster, Path config, Path log, List<String> trainArgs, String... conf)
            throws Exception {
        Process driver = submit(config, log, cluster.secretFile(), trainArgs, conf);
        boolean done = driver.waitFor(150, TimeUnit.SECONDS);
        if (!done) {
            driver.destroyForcibly().waitFor();
        }
        String text = Files.readString(log);
        assertTrue(done && driver.exitValue() == 0, "driver " + (done ? "exited " + driver.exitValue()
                : "timed out") + ":\n" + tail(text, 60) + "\n" + cluster.logs());
        return text;
    }

    /** What the executors wrote to stderr (the workers' work folders). */
    private static String executorLogs(Path home) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.walk(home.resolve("run"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                sb.append(Files.readString(f));
            }
        }
        return sb.toString();
    }

    /**
     * Starts a driver as docs/cluster.md does: the SPARK_HOME's bin/spark-submit with cluster-config/spark-defaults.conf
     * and the application jar, {@code secretFile} as SPARKFT_AUTH_SECRET_FILE (null: none), {@code conf} before and
     * {@code trainArgs} after {@code train --config FILE}. Driver and executors extract natives into folders under
     * {@link #nativeCache} (JavaCPP's cache, DJL_CACHE_DIR) that are empty when this class starts, so nothing from an
     * earlier run, ~/.javacpp or ~/.djl.ai helps; the class's tests share them, as a node's runs share its caches.
     */
    private Process submit(Path config, Path log, Path secretFile, List<String> trainArgs, String... conf)
            throws Exception {
        Path driverCache = nativeCache("driver");
        Path executorCache = nativeCache("executors");
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/spark-submit").toString(),
                "--master", "spark://127.0.0.1:" + port,
                "--properties-file", repo.resolve("cluster-config/spark-defaults.conf").toString(),
                "--driver-memory", "1g",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=768m",
                // defaultJavaOptions come before the properties file's extraJavaOptions, which they leave in place.
                "--conf", "spark.driver.defaultJavaOptions=-Dorg.bytedeco.javacpp.cachedir=" + driverCache.resolve("javacpp"),
                "--conf", "spark.executor.defaultJavaOptions=-Dorg.bytedeco.javacpp.cachedir=" + executorCache.resolve("javacpp"),
                "--conf", "spark.executorEnv.DJL_CACHE_DIR=" + executorCache.resolve("djl")));
        cmd.addAll(List.of(conf));
        cmd.addAll(List.of("--class", "dev.sparkft.spark.cli.SparkFtCli", appJar.toString(),
                "train", "--config", config.toString()));
        cmd.addAll(trainArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("DJL_CACHE_DIR", driverCache.resolve("djl").toString());
        pb.environment().remove("SPARKFT_AUTH_SECRET");
        // Never the user's own secret file: the test cluster's, or one that does not exist.
        pb.environment().put("SPARKFT_AUTH_SECRET_FILE",
                (secretFile != null ? secretFile : dir.resolve("no-secret")).toString());
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** The native-library cache folder of {@code side} (driver or executors), empty when this class started. */
    private static Path nativeCache(String side) {
        return shared.resolve("native-cache").resolve(side);
    }

    /**
     * Fails unless the executors fetched the application jar and extracted {@code file} (a native library's name)
     * into their cache folder {@code cache}, empty when this class started ({@code fromJar}: under a folder named after the jar, as JavaCPP
     * keys its cache; DJL names its own).
     */
    private static void assertExtracted(String cache, String file, boolean fromJar, String executorLog) throws IOException {
        Path root = nativeCache("executors").resolve(cache);
        List<Path> found;
        try (var files = Files.exists(root) ? Files.walk(root) : java.util.stream.Stream.<Path>empty()) {
            found = files.filter(p -> p.getFileName().toString().endsWith(file) && Files.isRegularFile(p)).toList();
        }
        assertFalse(found.isEmpty(), "no " + file + " extracted into the executors' " + cache + " cache " + root
                + ":\n" + tail(executorLog, 40));
        if (fromJar) {
            assertTrue(found.stream().anyMatch(p -> p.toString().contains("/" + appJar.getFileName() + "/")),
                    file + " extracted from the application jar: " + found);
        }
        assertTrue(executorLog.contains("Fetching spark://") && executorLog.contains(appJar.getFileName().toString()),
                "the executors fetched the application jar from the driver:\n" + tail(executorLog, 40));
        System.out.printf("executors extracted %s into their cache (empty at the start): %s%n", file, found.get(0));
    }

    /** Fails unless every float of {@code actual} has the bits of {@code expected}'s, naming how many differ. */
    private static void assertBitEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": parameter count");
        int differing = 0;
        for (int i = 0; i < expected.length; i++) {
            differing += Float.floatToIntBits(expected[i]) == Float.floatToIntBits(actual[i]) ? 0 : 1;
        }
        System.out.printf("%s: %d of %d parameters differ (relative difference %.2e)%n", what, differing,
                expected.length, ReferenceTrainer.relativeDifference(actual, expected));
        assertEquals(0, differing, what + ": parameters whose bits differ (relative difference "
                + ReferenceTrainer.relativeDifference(actual, expected) + ")");
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

}

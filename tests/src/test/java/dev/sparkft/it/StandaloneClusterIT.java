package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer on a real standalone cluster: a master and two one-core workers (separate JVMs on 127.0.0.1,
 * started by cluster-config/sparkft-cluster.sh from a SPARK_HOME linked from Maven's jars), a driver JVM
 * submitted with SparkSubmit and cluster-config/spark-defaults.conf, training a DL4J CNN on a slice of the
 * real Fashion-MNIST sample with two partitions. Its final parameters must equal a local-mode run of the same config (relative difference
 * at most 1e-5): the cluster changes where gradients are computed, not what they are.
 */
class StandaloneClusterIT {
    private static final int PORT = 17177;
    private static final int UI_PORT = 18180;
    private static final int STEPS = 6;

    @TempDir
    Path dir;

    @Test
    void clusterRunMatchesLocalMode() throws Exception {
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath().normalize();
        Path classpathFile = Path.of(System.getProperty("sparkft.classpathFile", "target/spark-classpath.txt"));
        Blobs data = FashionSlice.write(TestSpark.session(), dir, 512);
        String yaml = FashionSlice.config(data.path(), 2, STEPS);

        Path home = SparkHome.create(classpathFile, dir.resolve("spark-home"));
        Path clusterYaml = dir.resolve("cluster.yaml");
        Files.writeString(clusterYaml, yaml.replace("OUT", dir.resolve("cluster-run").toString())
                .replace("MASTER", "spark://127.0.0.1:" + PORT));
        long start = System.nanoTime();
        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, PORT, UI_PORT, 2)) {
            String log = runDriver(cluster, repo, home, classpathFile, clusterYaml, dir.resolve("driver.log"));
            assertTrue(log.contains("spark://127.0.0.1:" + PORT), "the driver used the standalone master:\n" + tail(log, 30));
            assertTrue(cluster.logs().contains("Launching executor") || log.contains("Granted executor"),
                    "executors ran on the workers:\n" + cluster.logs());
        }
        System.out.printf("cluster run (start, submit, %d steps, stop): %.1f s%n", STEPS, (System.nanoTime() - start) / 1e9);

        TrainConfig local = ConfigLoader.parse(yaml.replace("OUT", dir.resolve("local-run").toString())
                .replace("MASTER", "local[2]"), false, List.of());
        TrainingResult expected = TestRuns.train(local, false);
        TrainConfig clusterConfig = ConfigLoader.load(clusterYaml, List.of());
        Checkpoint end = new CheckpointStore(clusterConfig.checkpoint().dir(), new Configuration(), 1).latest()
                .orElseThrow(() -> new AssertionError("the cluster run wrote no checkpoint"));
        assertEquals(STEPS, end.step());
        double diff = ReferenceTrainer.relativeDifference(end.params(), expected.params());
        System.out.printf("standalone cluster (2 executors) vs local[2]: relative difference %.2e%n", diff);
        assertTrue(diff <= 1e-5, "cluster vs local mode: relative difference " + diff);
        assertTrue(expected.losses()[STEPS - 1] < expected.losses()[0], "the model trains");
    }

    /**
     * The DJL BERT engine on the cluster, with every worker offering one GPU through a discovery script that
     * reports address 0 (this machine has no GPU) and each task asking for one: executors must hand the task's
     * GPU address to the engine, which, on the Maven jars' CPU-only libtorch, says so and computes on the CPU.
     * Parameters after the cluster run must equal local mode's (relative difference at most 1e-5).
     */
    @Test
    void djlClusterRunWithAssignedGpusMatchesLocalMode() throws Exception {
        Path repo = Path.of(System.getProperty("sparkft.repoRoot", "..")).toAbsolutePath().normalize();
        Path classpathFile = Path.of(System.getProperty("sparkft.classpathFile", "target/spark-classpath.txt"));
        Path train = dir.resolve("tiny-bert");
        TinyBertSlice.write(TestSpark.session(), TinyBertSlice.rows(3), train);
        Path discovery = dir.resolve("one-gpu.sh");
        Files.writeString(discovery, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        Files.setPosixFilePermissions(discovery, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path clusterYaml = dir.resolve("djl-cluster.yaml");
        Files.writeString(clusterYaml, TinyBertSlice.config("djl-cluster", "spark://127.0.0.1:" + PORT,
                dir.resolve("djl-cluster-run"), train, 2, STEPS));

        Path home = SparkHome.create(classpathFile, dir.resolve("spark-home"));
        try (StandaloneCluster cluster = StandaloneCluster.start(repo, home, PORT, UI_PORT, 2,
                List.of("--gpus", "1", "--gpu-script", discovery.toString()))) {
            runDriver(cluster, repo, home, classpathFile, clusterYaml, dir.resolve("djl-driver.log"),
                    "--conf", "spark.executor.resource.gpu.amount=1", "--conf", "spark.task.resource.gpu.amount=1");
            String executors = executorLogs(home);
            assertTrue(executors.contains("was assigned gpu:0"), "the engine saw the task's GPU address:\n"
                    + tail(executors, 40));
        }
        TrainingResult expected = TestRuns.train(ConfigLoader.parse(TinyBertSlice.config("djl-local", "local[2]",
                dir.resolve("djl-local-run"), train, 2, STEPS), false, List.of()), false);
        TrainConfig clusterConfig = ConfigLoader.load(clusterYaml, List.of());
        Checkpoint end = new CheckpointStore(clusterConfig.checkpoint().dir(), new Configuration(), 1).latest()
                .orElseThrow(() -> new AssertionError("the DJL cluster run wrote no checkpoint"));
        double diff = ReferenceTrainer.relativeDifference(end.params(), expected.params());
        System.out.printf("DJL BERT, standalone cluster (2 executors, GPU addresses assigned) vs local[2]: relative"
                + " difference %.2e%n", diff);
        assertTrue(diff <= 1e-5, "DJL cluster vs local mode: relative difference " + diff);
    }

    /** Submits the trainer with {@code config}, waits up to 150 s and fails with both logs unless it succeeded. */
    private static String runDriver(StandaloneCluster cluster, Path repo, Path home, Path classpathFile, Path config,
            Path log, String... conf) throws Exception {
        Process driver = submit(repo, home, classpathFile, config, log, conf);
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

    private static Process submit(Path repo, Path home, Path classpathFile, Path config, Path log, String... conf)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.addAll(List.of(System.getProperty("sparkft.jvmOpens").trim().split("\\s+")));
        cmd.addAll(List.of("-cp", home.resolve("jars") + "/*", "org.apache.spark.deploy.SparkSubmit",
                "--master", "spark://127.0.0.1:" + PORT,
                "--properties-file", repo.resolve("cluster-config/spark-defaults.conf").toString(),
                "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=768m"));
        cmd.addAll(List.of(conf));
        cmd.addAll(List.of(
                "--class", "dev.sparkft.spark.cli.SparkFtCli", SparkHome.trainerJar(classpathFile).toString(),
                "train", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

}

package dev.sparkft.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real standalone master and workers as separate JVMs on 127.0.0.1, started and stopped through
 * cluster-config/sparkft-cluster.sh with its security defaults: authentication with a secret the script writes
 * into {@link #secretFile} (not the user's ~/.config), encryption, UI ACLs. {@link #close} stops them; so
 * does a shutdown hook, should the test JVM be killed in between.
 */
final class StandaloneCluster implements AutoCloseable {
    private final Path script;
    private final Path home;
    private final Map<String, String> env;
    private final Thread hook;
    private boolean stopped;

    private StandaloneCluster(Path script, Path home, Map<String, String> env) {
        this.script = script;
        this.home = home;
        this.env = env;
        this.hook = new Thread(this::stop, "stop-test-cluster");
    }

    /** Starts a master on {@code port} (web UI on {@code uiPort}) and {@code workers} one-core workers. */
    static StandaloneCluster start(Path repoRoot, Path home, int port, int uiPort, int workers) throws Exception {
        return start(repoRoot, home, port, uiPort, workers, List.of());
    }

    /** @param options more options of {@code sparkft-cluster.sh start}, e.g. {@code --gpus 1 --gpu-script F} */
    static StandaloneCluster start(Path repoRoot, Path home, int port, int uiPort, int workers, List<String> options)
            throws Exception {
        Map<String, String> env = Map.of("SPARK_MASTER_PORT", Integer.toString(port),
                "SPARK_MASTER_WEBUI_PORT", Integer.toString(uiPort), "SPARK_LOCAL_IP", "127.0.0.1",
                "SPARKFT_AUTH_SECRET_FILE", home.resolve("auth-secret").toString());
        StandaloneCluster cluster = new StandaloneCluster(repoRoot.resolve("cluster-config/sparkft-cluster.sh"), home, env);
        Runtime.getRuntime().addShutdownHook(cluster.hook);
        try {
            List<String> args = new ArrayList<>(List.of("start", "--workers", Integer.toString(workers),
                    "--cores", "1", "--memory", "1g"));
            args.addAll(options);
            cluster.script(args.toArray(String[]::new));
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** The cluster's secret; a driver finds it through SPARKFT_AUTH_SECRET_FILE. */
    Path secretFile() {
        return Path.of(env.get("SPARKFT_AUTH_SECRET_FILE"));
    }

    String masterUrl(int port) {
        return "spark://127.0.0.1:" + port;
    }

    /** The master's and workers' logs, for a failure message. */
    String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(home.resolve("run"))) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log);
                sb.append("== ").append(log.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> sb.append(l).append('\n'));
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or has run: nothing left to remove.
        }
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            script("stop");
        } catch (Exception e) {
            System.err.println("could not stop the test cluster in " + home + ": " + e.getMessage());
        }
    }

    private void script(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--home", home.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // A secret in the caller's environment would win over the test's file, which the drivers read.
        pb.environment().remove("SPARKFT_AUTH_SECRET");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("sparkft-cluster.sh " + String.join(" ", args) + " failed:\n"
                    + new String(out, StandardCharsets.UTF_8));
        }
    }
}

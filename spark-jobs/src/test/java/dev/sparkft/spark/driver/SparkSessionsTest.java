package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security defaults of {@link SparkSessions}: as settings for given environments, and for real in child
 * JVMs that start a local session the way the trainer does and probe where its web UI answers.
 */
class SparkSessionsTest {
    @TempDir
    Path dir;

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void localRunsGetNoKillLinksAndNoUiOnAllInterfaces() {
        Map<String, String> loopback = Map.of("SPARK_LOCAL_IP", "127.0.0.1");
        assertEquals(Map.of("spark.ui.killEnabled", "false"),
                SparkSessions.securityDefaults("local[2]", loopback, props()));
        assertEquals(Map.of("spark.ui.killEnabled", "false", "spark.ui.enabled", "false"),
                SparkSessions.securityDefaults("local[2]", Map.of(), props()));
        // A -D or --conf setting is the user's: left alone.
        assertEquals(Map.of(), SparkSessions.securityDefaults("local[*]", Map.of(),
                props("spark.ui.killEnabled", "true", "spark.ui.enabled", "true")));
        // A cluster driver's UI is the cluster's business (spark-defaults.conf); kill links stay off.
        assertEquals(Map.of("spark.ui.killEnabled", "false"),
                SparkSessions.securityDefaults("spark://10.1.2.3:7077", Map.of(), props()));
    }

    /** One config for local runs and for every cluster a scheduler submits it to: spark-submit's --master wins. */
    @Test
    void sparkSubmitsMasterWinsOverRunMaster() {
        var run = new dev.sparkft.spark.config.TrainConfig.Run("r", "local[2]", 1, "out");
        assertEquals("local[2]", SparkSessions.master(run, props()));
        assertEquals("spark://127.0.0.1:7077", SparkSessions.master(run, props("spark.master", "spark://127.0.0.1:7077")));
    }

    @Test
    void loopbackChosenByTheScriptRefusesAMasterElsewhere() {
        Properties script = props(SparkSessions.LOOPBACK_DEFAULT, "true");
        Map<String, String> env = Map.of("SPARK_LOCAL_IP", "127.0.0.1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSessions.securityDefaults("spark://10.1.2.3:7077", env, script));
        assertTrue(e.getMessage().contains("run.master 'spark://10.1.2.3:7077'")
                && e.getMessage().contains("set SPARK_LOCAL_IP"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SparkSessions.securityDefaults("yarn", env, script));
        // The one-host cluster is on loopback too; and a SPARK_LOCAL_IP the user set is the user's choice.
        SparkSessions.securityDefaults("spark://127.0.0.1:7077,localhost:7078", env, script);
        SparkSessions.securityDefaults("spark://10.1.2.3:7077", env, props());
    }

    @Test
    void aSecuredStandaloneDriverTakesTheClusterSecret() throws Exception {
        Properties auth = props("spark.authenticate", "true");
        Path file = dir.resolve("secret");
        Map<String, String> env = new HashMap<>(Map.of(SparkSessions.SECRET_FILE_ENV, file.toString()));

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> SparkSessions.securityDefaults("spark://127.0.0.1:7077", env, auth));
        assertTrue(missing.getMessage().contains(file + " does not exist")
                && missing.getMessage().contains("SPARKFT_AUTH_SECRET"), missing.getMessage());

        Files.writeString(file, "c0ffee\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
                () -> SparkSessions.securityDefaults("spark://127.0.0.1:7077", env, auth));
        assertTrue(open.getMessage().contains("chmod 600 " + file), open.getMessage());

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals("c0ffee", SparkSessions.securityDefaults("spark://127.0.0.1:7077", env, auth)
                .get("spark.authenticate.secret"));
        env.put(SparkSessions.SECRET_ENV, "from-env");
        assertEquals("from-env", SparkSessions.securityDefaults("spark://127.0.0.1:7077", env, auth)
                .get("spark.authenticate.secret"));
        // A secret given to Spark directly wins; local mode and no authentication need none.
        assertFalse(SparkSessions.securityDefaults("spark://127.0.0.1:7077", env,
                props("spark.authenticate", "true", "spark.authenticate.secret", "x")).containsKey("spark.authenticate.secret"));
        assertFalse(SparkSessions.securityDefaults("local[2]", Map.of(), auth).containsKey("spark.authenticate.secret"));
        assertFalse(SparkSessions.securityDefaults("spark://127.0.0.1:7077", Map.of(), props())
                .containsKey("spark.authenticate.secret"));
        assertEquals(Path.of(System.getProperty("user.home"), ".config/sparkft/spark-auth-secret"),
                SparkSessions.secretFile(Map.of()));
    }

    /**
     * bin/sparkft's environment (SPARK_LOCAL_IP=127.0.0.1): the UI answers on loopback only and ignores its kill
     * link; -Dspark.ui.killEnabled=true brings the link back (which shows that the probe's kill request works).
     */
    @Test
    void underTheScriptTheUiListensOnLoopbackOnlyAndCannotKill() throws Exception {
        Map<String, String> out = probe(Map.of("SPARK_LOCAL_IP", "127.0.0.1"), "-", "spark.ui.killEnabled=true");
        assertEquals("false", out.get("0.killEnabled"), out.toString());
        assertEquals("true", out.get("0.connect.127.0.0.1"), out.toString());
        List<InetAddress> others = UiProbe.nonLoopbackAddresses();
        System.out.println("non-loopback addresses of this host: " + others);
        for (InetAddress a : others) {
            assertEquals("false", out.get("0.connect." + a.getHostAddress()), "UI reachable on " + a + ": " + out);
        }
        assertEquals("completed", out.get("0.job"), "the kill link must do nothing: " + out);

        assertEquals("true", out.get("1.killEnabled"), out.toString());
        assertEquals("cancelled", out.get("1.job"), "with spark.ui.killEnabled=true the same request kills: " + out);
    }

    /**
     * Without SPARK_LOCAL_IP (a JVM not started by bin/sparkft) Spark would serve the UI on every interface, so it
     * is off; -Dspark.ui.enabled=true serves it there on purpose.
     */
    @Test
    void withoutSparkLocalIpTheUiIsOffUnlessAskedFor() throws Exception {
        Map<String, String> out = probe(Map.of(), "-", "spark.ui.enabled=true");
        assertEquals("none", out.get("0.ui"), out.toString());
        assertEquals("true", out.get("1.connect.127.0.0.1"), out.toString());
        for (InetAddress a : UiProbe.nonLoopbackAddresses()) {
            assertEquals("true", out.get("1.connect." + a.getHostAddress()), "asked for all interfaces: " + out);
        }
    }

    /** Runs {@link UiProbe} in a child JVM with this JVM's classpath and --add-opens, and {@code env} as SPARK_LOCAL_IP. */
    private static Map<String, String> probe(Map<String, String> env, String... scenarios) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), UiProbe.class.getName()));
        cmd.addAll(List.of(scenarios));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("SPARK_LOCAL_IP");
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        long start = System.nanoTime();
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe JVM did not finish");
        assertEquals(0, p.exitValue(), "probe JVM failed; its stdout:\n" + stdout);
        System.out.printf("UI probe %s %s: %.1f s%n", env, List.of(scenarios), (System.nanoTime() - start) / 1e9);
        Map<String, String> out = new HashMap<>();
        for (String line : stdout.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && Character.isDigit(line.charAt(0))) {
                out.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return out;
    }
}

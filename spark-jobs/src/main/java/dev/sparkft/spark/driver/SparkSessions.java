package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark settings a training round is designed for: every round broadcasts the parameters and brings
 * one vector per partition back, so Kryo, no broadcast compression and no cap on result sizes. Plus the
 * security defaults of docs/cluster.md#security: no kill links, no web UI on all interfaces in local mode,
 * and the cluster's authentication secret for a driver of a secured standalone cluster.
 */
public final class SparkSessions {
    private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);
    /** Set by bin/sparkft when it chose SPARK_LOCAL_IP=127.0.0.1 itself because the user had not set it. */
    static final String LOOPBACK_DEFAULT = "sparkft.loopbackDefault";
    /** The standalone cluster's shared secret, or the file holding it (cluster-config/sparkft-cluster.sh). */
    static final String SECRET_ENV = "SPARKFT_AUTH_SECRET";
    static final String SECRET_FILE_ENV = "SPARKFT_AUTH_SECRET_FILE";

    private SparkSessions() {
    }

    /** A builder with the run's master and name, Kryo, uncompressed broadcasts and room for large vectors. */
    public static SparkSession.Builder builder(TrainConfig.Run run) {
        String master = master(run, System.getProperties());
        SparkSession.Builder builder = SparkSession.builder()
                .master(master)
                .appName("sparkft " + run.name())
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                // Parameters and gradients are dense floats: compressing them costs time and saves nothing.
                .config("spark.broadcast.compress", "false")
                .config("spark.kryoserializer.buffer.max", "2047m")
                .config("spark.driver.maxResultSize", "0");
        // Executor metrics for the round telemetry: the process tree's resident memory, polled often enough to
        // catch a round's peak. A user's --conf of either wins.
        if (System.getProperty("spark.executor.processTreeMetrics.enabled") == null) {
            builder.config("spark.executor.processTreeMetrics.enabled", "true");
        }
        if (System.getProperty("spark.executor.metrics.pollingInterval") == null) {
            builder.config("spark.executor.metrics.pollingInterval", "1s");
        }
        securityDefaults(master, System.getenv(), System.getProperties()).forEach(builder::config);
        return builder;
    }

    /**
     * The master to use: spark-submit's {@code --master} (the {@code spark.master} system property it sets, as a
     * {@code -Dspark.master} does) wins over {@code run.master}, which is for {@code bin/sparkft} and notebooks,
     * so that one config serves local runs and every cluster a scheduler submits it to.
     */
    static String master(TrainConfig.Run run, Properties system) {
        String submitted = system.getProperty("spark.master");
        if (submitted == null || submitted.isBlank()) {
            return run.master();
        }
        if (!submitted.equals(run.master())) {
            LOG.info("master {} (spark-submit's --master or -Dspark.master) instead of run.master {}", submitted,
                    run.master());
        }
        return submitted;
    }

    /**
     * The Hadoop configuration a session of this JVM would get, without starting one: Hadoop's defaults plus the
     * {@code spark.hadoop.*} properties (spark-submit's {@code --conf} and properties file) and S3 credentials
     * from the environment, as Spark builds it. For driver-side reads before Spark starts.
     */
    public static Configuration hadoopConfiguration() {
        return SparkHadoopUtil.get().newConfiguration(new SparkConf());
    }

    /**
     * The security settings {@link #builder} adds for {@code master}, given the process environment and the
     * system properties (where {@code JAVA_OPTS=-Dspark.x=y} and spark-submit's {@code --conf} and properties
     * file put Spark settings; a setting found there is the user's choice and is left alone).
     */
    static Map<String, String> securityDefaults(String master, Map<String, String> env, Properties system) {
        Map<String, String> out = new LinkedHashMap<>();
        // Kill links cancel the run's jobs for anyone who reaches the UI: Spark's ACLs (spark.acls.enable)
        // only know who is asking behind an authentication filter (spark.ui.filters), which nothing here sets.
        if (!system.containsKey("spark.ui.killEnabled")) {
            out.put("spark.ui.killEnabled", "false");
        }
        boolean local = master.startsWith("local");
        if (local && env.get("SPARK_LOCAL_IP") == null && !system.containsKey("spark.ui.enabled")) {
            // Spark 3.5 binds its web UI to $SPARK_LOCAL_IP, else to every interface (WebUI.initServer); no
            // spark.ui.* key picks the host and a JVM cannot set its own environment. The UI shows the config,
            // data paths and stack traces, so without SPARK_LOCAL_IP it stays off rather than go public.
            LOG.warn("Spark's web UI is off: SPARK_LOCAL_IP is unset, so it would listen on every interface."
                    + " Set SPARK_LOCAL_IP=127.0.0.1 (bin/sparkft does) for a UI on loopback, or"
                    + " -Dspark.ui.enabled=true to serve it on all interfaces anyway");
            out.put("spark.ui.enabled", "false");
        }
        if (!local && Boolean.parseBoolean(system.getProperty(LOOPBACK_DEFAULT)) && !onLoopback(master)) {
            throw new IllegalArgumentException("run.master '" + master + "' is not on this host's loopback, but"
                    + " bin/sparkft bound this driver to 127.0.0.1 (SPARK_LOCAL_IP was unset; loopback keeps a local"
                    + " run's web UI private) and executors elsewhere could not reach it: set SPARK_LOCAL_IP to this"
                    + " host's address on the cluster's network, or submit with spark-submit (docs/cluster.md)");
        }
        // Spark 3.5 lets a standalone driver take its secret only from spark.authenticate.secret
        // (SecurityManager.initializeAuth; the secret-file keys are for Kubernetes only): read it from where
        // sparkft-cluster.sh keeps it, so that it is on no command line and in no committed file.
        if (Boolean.parseBoolean(system.getProperty("spark.authenticate")) && master.startsWith("spark://")
                && !system.containsKey("spark.authenticate.secret")) {
            out.put("spark.authenticate.secret", clusterSecret(env));
        }
        return out;
    }

    /** The standalone cluster's secret: {@value #SECRET_ENV}, else the file {@link #secretFile} names. */
    static String clusterSecret(Map<String, String> env) {
        String value = env.get(SECRET_ENV);
        if (value != null && !value.isBlank()) {
            return value.trim();
        }
        Path file = secretFile(env);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("spark.authenticate is true but spark.authenticate.secret is not set,"
                    + " and the secret file " + file + " does not exist: set " + SECRET_ENV + " or " + SECRET_FILE_ENV
                    + " to the cluster's secret or its file (cluster-config/sparkft-cluster.sh start writes one), or"
                    + " --conf spark.authenticate=false for a cluster without authentication (docs/cluster.md#security)");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> others = EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            others.retainAll(perms);
            if (!others.isEmpty()) {
                throw new IllegalArgumentException("the secret file " + file + " is open to other users ("
                        + PosixFilePermissions.toString(perms) + "): chmod 600 " + file);
            }
        } catch (UnsupportedOperationException notPosix) {
            // A file system without POSIX permissions: nothing to check.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the permissions of the secret file " + file, e);
        }
        String secret;
        try {
            secret = Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the secret file " + file, e);
        }
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("the secret file " + file + " is empty: remove it and start the"
                    + " cluster again (sparkft-cluster.sh writes a new one), or put the cluster's secret in it");
        }
        return secret;
    }

    /** {@value #SECRET_FILE_ENV}, else {@code ${XDG_CONFIG_HOME:-~/.config}/sparkft/spark-auth-secret}. */
    static Path secretFile(Map<String, String> env) {
        String file = env.get(SECRET_FILE_ENV);
        if (file != null && !file.isBlank()) {
            return Path.of(file);
        }
        String config = env.get("XDG_CONFIG_HOME");
        Path dir = config != null && !config.isBlank() ? Path.of(config)
                : Path.of(System.getProperty("user.home"), ".config");
        return dir.resolve("sparkft").resolve("spark-auth-secret");
    }

    /** Whether every host of a {@code spark://h1:p1,h2:p2} master is a loopback address (other masters: no). */
    static boolean onLoopback(String master) {
        if (!master.startsWith("spark://")) {
            return false;
        }
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            try {
                if (!InetAddress.getByName(host.replaceAll("^\\[|]$", "")).isLoopbackAddress()) {
                    return false;
                }
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return true;
    }
}

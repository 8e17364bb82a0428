package dev.sparkft.spark.driver;

import dev.sparkft.spark.config.TrainConfig;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A child JVM for {@link SparkSessionsTest}: starts a local session the way the trainer does
 * ({@link SparkSessions#builder}, {@code getOrCreate}) once per argument, and reports on stdout, one
 * {@code key=value} per line prefixed with the argument's index, where its web UI answers and whether the
 * UI's kill link stops a running job. Each argument is {@code -} or comma-separated {@code key=value}
 * system properties to set first (as JAVA_OPTS=-D... would).
 */
public final class UiProbe {
    private UiProbe() {
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            List<String> set = new ArrayList<>();
            if (!args[i].equals("-")) {
                for (String kv : args[i].split(",")) {
                    String[] p = kv.split("=", 2);
                    System.setProperty(p[0], p[1]);
                    set.add(p[0]);
                }
            }
            probe(i + ".");
            set.forEach(System::clearProperty);
        }
    }

    private static void probe(String prefix) throws Exception {
        SparkSession spark = SparkSessions.builder(new TrainConfig.Run("ui-probe", "local[1]", 1, "unused"))
                .getOrCreate();
        try {
            SparkContext sc = spark.sparkContext();
            if (sc.ui().isEmpty()) {
                System.out.println(prefix + "ui=none");
                return;
            }
            int port = sc.ui().get().boundPort();
            System.out.println(prefix + "ui=" + sc.uiWebUrl().get());
            System.out.println(prefix + "killEnabled=" + sc.ui().get().killEnabled());
            System.out.println(prefix + "connect.127.0.0.1=" + connects(InetAddress.getLoopbackAddress(), port));
            for (InetAddress a : nonLoopbackAddresses()) {
                System.out.println(prefix + "connect." + a.getHostAddress() + "=" + connects(a, port));
            }
            System.out.println(prefix + "job=" + killThroughUi(sc, port));
        } finally {
            spark.stop();
        }
    }

    /** This host's IPv4 addresses other than loopback, on interfaces that are up. */
    static List<InetAddress> nonLoopbackAddresses() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback()) {
                Collections.list(nif.getInetAddresses()).stream()
                        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).forEach(out::add);
            }
        }
        return out;
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs a one-task job that sleeps 3 s and, while it runs, asks the UI (over loopback) to kill its stage
     * every 200 ms, as the kill link does; "cancelled" if that stopped the job, else "completed".
     */
    private static String killThroughUi(SparkContext sc, int port) throws Exception {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        CompletableFuture<Long> job = CompletableFuture.supplyAsync(() -> jsc.parallelize(List.of(1), 1).map(x -> {
            Thread.sleep(3000);
            return x;
        }).count());
        while (!job.isDone()) {
            for (int stage : sc.statusTracker().getActiveStageIds()) {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port
                        + "/stages/stage/kill/?id=" + stage + "&terminate=true").toURL().openConnection();
                c.setRequestMethod("POST");
                c.setInstanceFollowRedirects(false);
                c.getResponseCode();
                c.disconnect();
            }
            Thread.sleep(200);
        }
        try {
            job.get(30, TimeUnit.SECONDS);
            return "completed";
        } catch (java.util.concurrent.ExecutionException e) {
            return "cancelled";
        }
    }
}

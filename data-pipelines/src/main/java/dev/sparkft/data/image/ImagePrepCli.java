package dev.sparkft.data.image;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Command line for {@link ImageDatasetPrep}: parses {@code --key value} pairs into an {@link ImagePrepConfig}
 * (unknown keys fail with their name) and runs the job. Used by {@code scripts/fetch-fashion-mnist.sh}.
 */
public final class ImagePrepCli {
    static final List<String> KEYS = List.of("train-images", "train-labels", "train-limit", "test-images",
            "test-labels", "test-limit", "output", "num-classes", "validation-fraction", "seed", "partitions",
            "master");
    static final String USAGE = "usage: ImagePrepCli --train-images F --train-labels F [--train-limit N]"
            + " [--test-images F --test-labels F [--test-limit N]] --output DIR [--num-classes 10]"
            + " [--validation-fraction 0.1] [--seed 42] [--partitions 4] [--master local[2]]";

    private ImagePrepCli() {
    }

    public static void main(String[] args) {
        Map<String, String> opts = parse(args);
        ImagePrepConfig config = config(opts);
        SparkSession spark = SparkSession.builder().appName("sparkft-image-prep")
                .master(opts.getOrDefault("master", "local[2]")).getOrCreate();
        try {
            PrepReport report = ImageDatasetPrep.run(spark, config);
            for (Map.Entry<String, long[]> e : report.classCounts().entrySet()) {
                System.out.println(e.getKey() + ": " + report.rows(e.getKey()) + " rows, per class "
                        + java.util.Arrays.toString(e.getValue()));
            }
            System.out.println(ImageDatasetPrep.REJECTS + ": " + report.rejects() + " rows "
                    + report.rejectsByReason());
        } finally {
            spark.stop();
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || !KEYS.contains(args[i].substring(2))) {
                throw new IllegalArgumentException("unknown argument '" + args[i] + "'; " + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("argument " + args[i] + " needs a value; " + USAGE);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }

    static ImagePrepConfig config(Map<String, String> o) {
        IdxSource train = new IdxSource(path(o, "train-images"), path(o, "train-labels"), integer(o, "train-limit", 0));
        IdxSource test = null;
        if (o.containsKey("test-images") || o.containsKey("test-labels")) {
            test = new IdxSource(path(o, "test-images"), path(o, "test-labels"), integer(o, "test-limit", 0));
        }
        if (!o.containsKey("output")) {
            throw new IllegalArgumentException("--output is required; " + USAGE);
        }
        return new ImagePrepConfig(train, test, o.get("output"), integer(o, "num-classes", 10),
                number(o, "validation-fraction", 0.1), integer(o, "seed", 42), integer(o, "partitions", 4));
    }

    private static Path path(Map<String, String> o, String key) {
        if (!o.containsKey(key)) {
            throw new IllegalArgumentException("--" + key + " is required; " + USAGE);
        }
        return Path.of(o.get(key));
    }

    private static int integer(Map<String, String> o, String key, int dflt) {
        try {
            return o.containsKey(key) ? Integer.parseInt(o.get(key)) : dflt;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + o.get(key) + "'", e);
        }
    }

    private static double number(Map<String, String> o, String key, double dflt) {
        try {
            return o.containsKey(key) ? Double.parseDouble(o.get(key)) : dflt;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got '" + o.get(key) + "'", e);
        }
    }
}

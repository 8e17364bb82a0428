package dev.sparkft.data.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver entry point (used by scripts/fetch-spamassassin.sh): reads the unpacked npm package's
 * {@code data/} folder, splits it deterministically by label and writes one raw-text Parquet folder per
 * split ({@code id}, {@code text}, {@code label}), ready for {@link TokenizeTextStage}.
 *
 * <pre>
 * PrepareSpamAssassin --data DIR --out DIR [--splits train=0.8,validation=0.1,test=0.1] [--seed 42]
 *                     [--max-chars 2000] [--master local[2]]
 * </pre>
 * Fractions below 1 in total draw a stratified sample (the examples/data/spam sample is made that way).
 */
public final class PrepareSpamAssassin {

    private static final Logger LOG = LoggerFactory.getLogger(PrepareSpamAssassin.class);

    /** Parsed command line; validated on construction. */
    public record Options(String data, String out, Map<String, Double> splits, long seed, int maxChars, String master) {

        public Options {
            if (data == null || out == null) {
                throw new IllegalArgumentException("--data and --out are required");
            }
            splits = new LinkedHashMap<>(splits);
            new TextSplits(splits, seed);  // validates the fractions
            if (maxChars < 1) {
                throw new IllegalArgumentException("--max-chars must be >= 1, got " + maxChars);
            }
        }

        public static Options parse(String... args) {
            Map<String, String> defaults = Map.of(
                    "--splits", "train=0.8,validation=0.1,test=0.1", "--seed", "42",
                    "--max-chars", Integer.toString(SpamAssassinReader.DEFAULT_MAX_CHARS), "--master", "local[2]");
            Map<String, String> values = CommandLine.parse(args, defaults, List.of(
                    "--data", "--out", "--splits", "--seed", "--max-chars", "--master"));
            Map<String, Double> splits = CommandLine.splits(values.get("--splits"));
            return new Options(values.get("--data"), values.get("--out"), splits,
                    Long.parseLong(values.get("--seed")), Integer.parseInt(values.get("--max-chars")), values.get("--master"));
        }
    }

    private PrepareSpamAssassin() {
    }

    public static void main(String[] args) {
        Options options = Options.parse(args);
        SparkSession spark = SparkSession.builder().master(options.master()).appName("prepare-spamassassin")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            run(spark, options);
        } finally {
            spark.stop();
        }
    }

    /** Writes {@code out/<split>/} for every split; returns the row count per split. */
    public static Map<String, Long> run(SparkSession spark, Options options) {
        AtomicOutput.checkAbsent(options.out(), spark.sparkContext().hadoopConfiguration());
        Dataset<Row> mail = new SpamAssassinReader(options.maxChars()).read(spark, options.data())
                .select("id", "text", "label").cache();
        try {
            Map<String, Dataset<Row>> splits = new TextSplits(options.splits(), options.seed()).split(mail, "id", "label");
            Map<String, Long> counts = new LinkedHashMap<>();
            AtomicOutput.write(options.out(), spark.sparkContext().hadoopConfiguration(), tmp -> {
                for (Map.Entry<String, Dataset<Row>> split : splits.entrySet()) {
                    // One file per split sorted by id: small data, and the same row order on every run.
                    Dataset<Row> rows = split.getValue().orderBy("id").coalesce(1);
                    rows.write().option("compression", "zstd").parquet(new Path(tmp, split.getKey()).toString());
                    counts.put(split.getKey(), rows.count());
                }
            });
            List<String> report = new ArrayList<>();
            counts.forEach((k, v) -> report.add(k + "=" + v));
            LOG.info("wrote {} to {}", report, options.out());
            return counts;
        } finally {
            mail.unpersist();
        }
    }
}

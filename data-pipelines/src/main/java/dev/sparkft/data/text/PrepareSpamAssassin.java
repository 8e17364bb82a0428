package dev.sparkft.data.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.data.dataset.PreparedDataset;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SpamAssassin preparation ({@code sparkft prepare} with {@code format: spamassassin}, used by
 * scripts/fetch-spamassassin.sh): reads the unpacked npm package's {@code data/} folder, splits it
 * deterministically by label and writes one raw-text Parquet folder per split ({@code id}, {@code text},
 * {@code label}), ready for {@code data.text}. Fractions below 1 in total draw a stratified sample (the
 * examples/data/spam sample is made that way).
 */
public final class PrepareSpamAssassin {

    private static final Logger LOG = LoggerFactory.getLogger(PrepareSpamAssassin.class);

    /** Settings; validated on construction. */
    public record Options(String data, String out, Map<String, Double> splits, long seed, int maxChars) {

        public Options {
            if (data == null || out == null) {
                throw new IllegalArgumentException("the input folder and the output are required");
            }
            splits = new LinkedHashMap<>(splits);
            new TextSplits(splits, seed);  // validates the fractions
            if (maxChars < 1) {
                throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
            }
        }
    }

    private PrepareSpamAssassin() {
    }

    /** Writes {@code out/<split>/} for every split as a raw-text {@link PreparedDataset}, recording {@code fingerprint}. */
    public static PreparedDataset run(SparkSession spark, Options options, ObjectNode fingerprint) {
        AtomicOutput.requireAbsent(new Path(options.out()), spark.sparkContext().hadoopConfiguration());
        Dataset<Row> mail = new SpamAssassinReader(options.maxChars()).read(spark, options.data())
                .select("id", "text", "label").cache();
        try {
            PreparedDataset d = RawTextOutput.write(
                    new TextSplits(options.splits(), options.seed()).split(mail, "id", "label"), options.out(), fingerprint);
            LOG.info("wrote {} to {}", d.summary(), options.out());
            return d;
        } finally {
            mail.unpersist();
        }
    }
}

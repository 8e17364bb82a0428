package dev.sparkft.data.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.data.dataset.PreparedDataset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Driver-side: writes raw-text splits (an {@code id}, {@code text}, {@code label} and any further columns) as a
 * {@link PreparedDataset} of kind {@code raw-text}: one zstd Parquet file per split sorted by id (small data, the
 * same row order on every run), the labels found, the counts per label. The input of {@code sparkft train} with
 * {@code data.text}.
 */
final class RawTextOutput {
    private RawTextOutput() {
    }

    static PreparedDataset write(Map<String, Dataset<Row>> splits, String outDir, ObjectNode fingerprint) {
        Dataset<Row> first = splits.values().iterator().next();
        Configuration conf = first.sparkSession().sparkContext().hadoopConfiguration();
        Path out = new Path(outDir);
        PreparedDataset[] written = {null};
        AtomicOutput.writeDirectory(out, conf, tmp -> {
            Map<String, PreparedDataset.Split> described = new LinkedHashMap<>();
            TreeSet<String> labels = new TreeSet<>();
            for (Map.Entry<String, Dataset<Row>> split : splits.entrySet()) {
                Path dir = new Path(tmp, split.getKey());
                split.getValue().orderBy("id").coalesce(1).write().option("compression", "zstd").parquet(dir.toString());
                Map<String, Long> byLabel = new TreeMap<>();
                for (Row r : first.sparkSession().read().parquet(dir.toString()).groupBy("label").count().collectAsList()) {
                    byLabel.put(r.isNullAt(0) ? "(none)" : r.get(0).toString(), r.getLong(1));
                    if (!r.isNullAt(0)) {
                        labels.add(r.get(0).toString());
                    }
                }
                long rows = byLabel.values().stream().mapToLong(Long::longValue).sum();
                described.put(split.getKey(), new PreparedDataset.Split(split.getKey(), rows, rows, byLabel, null,
                        Map.of()));
            }
            written[0] = new PreparedDataset(tmp, PreparedDataset.RAW_TEXT, PreparedDataset.columnsOf(
                    first.sparkSession().read().parquet(new Path(tmp, splits.keySet().iterator().next()).toString())
                            .schema()), described, List.copyOf(labels), null, fingerprint);
            written[0].write(conf);
        });
        return written[0].at(out);
    }
}

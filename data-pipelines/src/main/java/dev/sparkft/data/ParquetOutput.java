package dev.sparkft.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Driver-side: writes a Parquet table so that a reader never sees a half-written one and a failed write loses
 * nothing already there. The table is written under a temporary sibling name, then renamed into place; an
 * existing table at the target is moved aside first and deleted only after the new one is in place.
 */
public final class ParquetOutput {

    private ParquetOutput() {
    }

    public static void replace(Dataset<Row> table, String target) {
        try {
            Path given = new Path(target);
            FileSystem fs = given.getFileSystem(table.sparkSession().sparkContext().hadoopConfiguration());
            Path dest = fs.makeQualified(given);
            String tag = UUID.randomUUID().toString();
            Path tmp = new Path(dest.getParent(), "." + dest.getName() + ".tmp-" + tag);
            Path old = new Path(dest.getParent(), "." + dest.getName() + ".old-" + tag);
            try {
                table.write().mode(SaveMode.ErrorIfExists).parquet(tmp.toString());
            } catch (Exception e) { // Spark throws its checked SparkException undeclared
                fs.delete(tmp, true); // a failed job leaves a partial table behind; the target is untouched
                throw e;
            }
            boolean hadOld = fs.exists(dest);
            if (hadOld && !fs.rename(dest, old)) {
                throw new IOException("cannot move the existing table aside to " + old);
            }
            if (!fs.rename(tmp, dest)) {
                throw new IOException("cannot rename " + tmp + " into place"
                        + (hadOld ? "; the previous table is kept at " + old : ""));
            }
            if (hadOld) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing Parquet table " + target + ": " + e.getMessage(), e);
        }
    }
}

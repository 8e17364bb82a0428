package dev.sparkft.data.image;

import dev.sparkft.data.text.PartitionIterators;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Unlabelled image files as model input (e.g. for {@code predict}): a file or a folder searched recursively (names
 * starting with {@code .} or {@code _} skipped, as Spark skips them), decoded and fitted on the executors exactly
 * as {@link ImageFolderPrep} prepares training images, into {@link #SCHEMA} rows: {@code path}, {@code pixels}
 * (uint8 C x H x W, null when the file was rejected) and {@code reject} (the {@link ImageDecoder} reason, or null).
 */
public final class ImageFiles {
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("pixels", DataTypes.BinaryType, true)
            .add("reject", DataTypes.StringType, true);

    private ImageFiles() {
    }

    /** The decoded images under {@code input}, one row per file, in {@code partitions} partitions. */
    public static Dataset<Row> read(SparkSession spark, String input, ImageShape shape, int partitions) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<Row> paths = new ArrayList<>();
        for (String p : list(new Path(input), conf)) {
            paths.add(RowFactory.create(p));
        }
        StructType listed = new StructType().add("path", DataTypes.StringType, false);
        Dataset<Row> files = spark.createDataFrame(paths, listed)
                .repartition(Math.max(1, Math.min(partitions, paths.size())));
        HadoopConf carried = new HadoopConf(conf);
        MapPartitionsFunction<Row, Row> decode = rows -> PartitionIterators.map(rows, r -> {
            String path = r.getString(0);
            try {
                return RowFactory.create(path, ImageDecoder.decode(ImageFolderPrep.read(path, carried.get()))
                        .toPixels(shape), null);
            } catch (ImageDecoder.Rejected e) {
                return RowFactory.create(path, null, e.reason());
            }
        });
        return files.mapPartitions(decode, Encoders.row(SCHEMA));
    }

    /** The files at {@code input} (itself, when a file), sorted; fails when there is none. */
    static List<String> list(Path input, Configuration conf) {
        try {
            FileSystem fs = input.getFileSystem(conf);
            FileStatus top = fs.getFileStatus(input);
            TreeSet<String> out = new TreeSet<>();
            if (!top.isDirectory()) {
                out.add(top.getPath().toString());
            } else {
                Path root = fs.makeQualified(input);
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
                while (it.hasNext()) {
                    Path p = it.next().getPath();
                    String relative = root.toUri().relativize(p.toUri()).getPath();
                    boolean hidden = false;
                    for (String part : relative.split("/")) {
                        hidden |= part.startsWith(".") || part.startsWith("_");
                    }
                    if (!hidden) {
                        out.add(p.toString());
                    }
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(input + " holds no image files (JPEG or PNG)");
            }
            return new ArrayList<>(out);
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException(input + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + input + ": " + e.getMessage(), e);
        }
    }
}

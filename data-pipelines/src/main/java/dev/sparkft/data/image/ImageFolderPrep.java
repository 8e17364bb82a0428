package dev.sparkft.data.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.data.text.PartitionIterators;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark job: an image folder ({@code input/<class>/<image>.png|jpg}) to a prepared image-classification dataset:
 * {@code pixels} (binary, uint8 {@code C x H x W}, channel-planar, row-major; see {@link DecodedImage#toPixels})
 * and {@code label} (int, the class's position in the class list) per split, {@code _rejects} (source file,
 * index, split, label, reason, detail) and a descriptor recording the image shape.
 *
 * <p>The driver lists the files (names only), assigns classes and the stratified, seeded split
 * ({@link StratifiedSplit}); executors read each file through Hadoop's file system and decode it
 * ({@link ImageDecoder}). A file that cannot be read or decoded becomes a reject with a reason (counted per
 * reason in {@code dataset.json}), never a failed job: that is why the bytes are not read with Spark's
 * {@code binaryFile} source, which fails the job on an unreadable file. Files and folders whose name starts with
 * {@code .} or {@code _} are skipped, as Spark skips them.
 */
public final class ImageFolderPrep {
    /** Larger files are rejected unread ({@value ImageDecoder#FILE_TOO_LARGE}). */
    public static final int MAX_FILE_BYTES = 256 << 20;

    static final StructType RAW = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("index", DataTypes.LongType, false)
            .add("split", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("detail", DataTypes.StringType, true);

    public static final StructType CONVERTED = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("index", DataTypes.LongType, false)
            .add("split", DataTypes.StringType, false)
            .add("pixels", DataTypes.BinaryType, true)
            .add("label", DataTypes.IntegerType, false)
            .add("reason", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true);

    private static final Logger LOG = LoggerFactory.getLogger(ImageFolderPrep.class);

    private ImageFolderPrep() {
    }

    /** One data file: its path relative to the input folder and its full URI. */
    record Listed(String relative, String uri) {
        /** The class folder: the first path component, or null for a file directly in the input folder. */
        String folder() {
            int slash = relative.indexOf('/');
            return slash < 0 ? null : relative.substring(0, slash);
        }
    }

    public static PrepReport run(SparkSession spark, ImageFolderConfig config, ObjectNode fingerprint) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(config.output().replaceAll("(.)/+$", "$1"));
        AtomicOutput.requireAbsent(out, conf);
        List<Listed> files = list(new Path(config.input()), conf);
        List<String> classes = classes(config, files);

        int[] labels = new int[files.size()];
        List<Integer> known = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = files.get(i).folder() == null ? -1 : classes.indexOf(files.get(i).folder());
            if (labels[i] >= 0) {
                known.add(i);
            }
        }
        int[] knownLabels = known.stream().mapToInt(i -> labels[i]).toArray();
        byte[] assigned = StratifiedSplit.assign(knownLabels, config.limit(),
                new double[] {config.validationFraction(), config.testFraction()}, config.seed());
        Map<String, List<Row>> rowsBySplit = new LinkedHashMap<>();
        rowsBySplit.put(ImageDatasetPrep.TRAIN, new ArrayList<>());
        if (config.validationFraction() > 0) {
            rowsBySplit.put(ImageDatasetPrep.VALIDATION, new ArrayList<>());
        }
        if (config.testFraction() > 0) {
            rowsBySplit.put(ImageDatasetPrep.TEST, new ArrayList<>());
        }
        String[] splitNames = {ImageDatasetPrep.TRAIN, ImageDatasetPrep.VALIDATION, ImageDatasetPrep.TEST};
        int unknown = 0;
        for (int i = 0, k = 0; i < labels.length; i++) {
            Listed f = files.get(i);
            if (labels[i] < 0) {
                // not split (no class to stratify by): reported with the training split, read by no one
                unknown++;
                rowsBySplit.get(ImageDatasetPrep.TRAIN).add(RowFactory.create(f.uri(), (long) i, ImageDatasetPrep.TRAIN,
                        -1, f.folder() == null ? "not inside a class folder" : "folder '" + f.folder()
                                + "' is not one of the classes " + classes));
                continue;
            }
            byte split = assigned[k++];
            if (split != StratifiedSplit.DROPPED) {
                String name = splitNames[split];
                rowsBySplit.get(name).add(RowFactory.create(f.uri(), (long) i, name, labels[i], null));
            }
        }
        LOG.info("{} files under {}: {} classes {}, {} outside them", files.size(), config.input(), classes.size(),
                classes, unknown);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Reader reader = new Reader(new HadoopConf(conf), config.imageSize());
        Map<String, Dataset<Row>> converted = new LinkedHashMap<>();
        rowsBySplit.forEach((split, rows) -> converted.put(split, spark.createDataFrame(
                jsc.parallelize(rows, config.partitions()), RAW).mapPartitions(reader, Encoders.row(CONVERTED))));
        return ImageDatasetPrep.write(spark, out, converted, classes.size(), classes, PreparedDataset.PIXELS_COLUMN,
                List.of("source", "index", "split", "label", "reason", "detail"), config.imageSize().toList(),
                fingerprint);
    }

    /** The class list: the configured one (each must be a folder) or the sorted class folders. */
    static List<String> classes(ImageFolderConfig config, List<Listed> files) {
        TreeSet<String> folders = new TreeSet<>();
        files.forEach(f -> {
            if (f.folder() != null) {
                folders.add(f.folder());
            }
        });
        if (config.classes().isEmpty()) {
            if (folders.size() < 2) {
                throw new IllegalArgumentException("input " + config.input() + " holds " + folders.size()
                        + " class folder(s) " + folders + "; expected one sub-folder per class (at least 2), each"
                        + " holding that class's JPEG/PNG files");
            }
            return List.copyOf(folders);
        }
        for (String c : config.classes()) {
            if (!folders.contains(c)) {
                throw new IllegalArgumentException("class '" + c + "' has no folder " + new Path(config.input(), c)
                        + " with images (class folders found: " + folders + "); fix the class list or the folder");
            }
        }
        return config.classes();
    }

    /** Every data file under {@code root}, sorted by relative path; hidden and {@code _} names skipped. */
    static List<Listed> list(Path root, Configuration conf) {
        try {
            FileSystem fs = root.getFileSystem(conf);
            if (!fs.getFileStatus(root).isDirectory()) {
                throw new IllegalArgumentException("input " + root + " is not a folder; expected one sub-folder per"
                        + " class holding JPEG/PNG files");
            }
            Path top = fs.makeQualified(root);
            TreeMap<String, String> files = new TreeMap<>();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(top, true);
            while (it.hasNext()) {
                LocatedFileStatus s = it.next();
                String relative = top.toUri().relativize(s.getPath().toUri()).getPath();
                boolean hidden = false;
                for (String part : relative.split("/")) {
                    hidden |= part.startsWith(".") || part.startsWith("_");
                }
                if (!hidden) {
                    files.put(relative, s.getPath().toString());
                }
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("input folder " + root + " holds no files; expected one sub-folder"
                        + " per class holding JPEG/PNG files");
            }
            List<Listed> out = new ArrayList<>();
            files.forEach((rel, uri) -> out.add(new Listed(rel, uri)));
            return out;
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException("input folder " + root + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input folder " + root + ": " + e.getMessage(), e);
        }
    }

    /** The executor-side conversion of {@link #RAW} rows to {@link #CONVERTED} ones, for images of {@code shape}. */
    static MapPartitionsFunction<Row, Row> reader(Configuration conf, ImageShape shape) {
        return new Reader(new HadoopConf(conf), shape);
    }

    /** Executor side: reads, decodes and fits each file; any failure becomes the row's reason. */
    static final class Reader implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final HadoopConf conf;
        private final ImageShape shape;

        Reader(HadoopConf conf, ImageShape shape) {
            this.conf = conf;
            this.shape = shape;
        }

        @Override
        public java.util.Iterator<Row> call(java.util.Iterator<Row> rows) {
            return PartitionIterators.map(rows, this::convert);
        }

        /** One raw row to its converted row (package-private for tests of the reject paths). */
        Row convert(Row r) {
            String source = r.getString(0);
            int label = r.getInt(3);
            byte[] pixels = null;
            String reason = null;
            String detail = null;
            if (label < 0) {
                reason = ImageDecoder.UNKNOWN_CLASS;
                detail = r.getString(4);
            } else {
                try {
                    pixels = ImageDecoder.decode(read(source)).toPixels(shape);
                } catch (ImageDecoder.Rejected e) {
                    reason = e.reason();
                    detail = e.detail();
                }
            }
            return RowFactory.create(source, r.getLong(1), r.getString(2), pixels, label, reason, detail);
        }

        private byte[] read(String source) throws ImageDecoder.Rejected {
            return ImageFolderPrep.read(source, conf.get());
        }
    }

    /** The bytes of one file (executor side); unreadable or too large is a rejection, never a failed task. */
    static byte[] read(String source, Configuration conf) throws ImageDecoder.Rejected {
        Path path = new Path(source);
        byte[] bytes;
        try (InputStream in = path.getFileSystem(conf).open(path)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            throw new ImageDecoder.Rejected(ImageDecoder.UNREADABLE, e.toString());
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ImageDecoder.Rejected(ImageDecoder.FILE_TOO_LARGE, "more than " + MAX_FILE_BYTES + " bytes");
        }
        return bytes;
    }
}

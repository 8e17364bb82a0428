package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.TestSpark;
import dev.sparkft.data.dataset.PreparedDataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image-folder preparation in local Spark on real files: the fixture folder (real Fashion-MNIST images in
 * several modes plus bad files) and the shipped 120-image sample.
 */
class ImageFolderPrepTest {
    static final Path SAMPLE = Path.of("..", "examples", "data", "fashion-images", "images");
    static final StructType TABLE = new StructType()
            .add("pixels", DataTypes.BinaryType, true)
            .add("label", DataTypes.IntegerType, true);

    static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    static ImageFolderConfig config(Path input, Path out, List<String> classes, ImageShape shape, double validation,
            double test, int partitions) {
        return new ImageFolderConfig(input.toAbsolutePath().toString(), out.toString(), classes, shape, validation, test,
                0, 7L, partitions);
    }

    @Test
    void goodFilesArePreparedAndBadOnesRejectedByReason() throws Exception {
        Path out = tmp.resolve("fixture");
        PrepReport report = ImageFolderPrep.run(spark, config(ImageDecoderTest.IMAGES, out,
                List.of("bag", "coat", "sneaker"), new ImageShape(1, 28, 28), 0, 0, 2), null);

        assertEquals(Map.of(ImageDecoder.CORRUPT, 1L, ImageDecoder.NOT_AN_IMAGE, 2L, ImageDecoder.EMPTY, 1L,
                ImageDecoder.UNSUPPORTED_MODE, 1L, ImageDecoder.UNKNOWN_CLASS, 2L), report.rejectsByReason());
        PreparedDataset d = PreparedDataset.read(new org.apache.hadoop.fs.Path(out.toUri()), new Configuration());
        assertEquals(PreparedDataset.IMAGE_CLASSIFICATION, d.kind());
        assertEquals(List.of(1, 28, 28), d.imageShape());
        assertEquals(List.of("bag", "coat", "sneaker"), d.labels());
        assertEquals(List.of(new PreparedDataset.Column("pixels", "binary"), new PreparedDataset.Column("label", "int")),
                d.columns());
        assertEquals(List.of("train"), List.copyOf(d.splits().keySet()));
        assertEquals(Map.of("bag", 3L, "coat", 3L, "sneaker", 4L), d.require("train").rowsByLabel());
        assertEquals(report.rejectsByReason(), d.require("train").rejectedByReason());
        String json = Files.readString(out.resolve(PreparedDataset.FILE), StandardCharsets.UTF_8);
        assertTrue(json.replaceAll("\\s", "").contains("\"imageShape\":[1,28,28]"), json);

        // every 8-bit gray PNG's row holds exactly the samples ImageIO decodes from the file, under its class
        List<Row> rows = spark.read().parquet(out.resolve("train").toString()).collectAsList();
        assertEquals(TABLE, spark.read().parquet(out.resolve("train").toString()).schema());
        assertEquals(10, rows.size());
        Map<String, Integer> byPixels = new TreeMap<>();
        for (Row r : rows) {
            assertEquals(784, ((byte[]) r.get(0)).length);
            byPixels.put(new String((byte[]) r.get(0), StandardCharsets.ISO_8859_1), r.getInt(1));
        }
        int checked = 0;
        for (String file : List.of("bag/t10k-00018.png", "bag/t10k-00030.png", "bag/t10k-00031.png",
                "coat/t10k-00006.png", "coat/t10k-00010.png", "coat/t10k-00014.png", "sneaker/t10k-00009.png")) {
            int[] samples = ImageIO.read(ImageDecoderTest.IMAGES.resolve(file).toFile()).getRaster()
                    .getSamples(0, 0, 28, 28, 0, (int[]) null);
            Integer label = byPixels.get(new String(ImageDecoderTest.bytes(samples), StandardCharsets.ISO_8859_1));
            assertEquals(List.of("bag", "coat", "sneaker").indexOf(file.substring(0, file.indexOf('/'))), label, file);
            checked++;
        }
        assertEquals(7, checked);

        // the rejects name each file with its reason and a detail
        Map<String, String> rejects = new TreeMap<>();
        for (Row r : spark.read().parquet(out.resolve("_rejects").toString()).collectAsList()) {
            String source = r.getString(r.fieldIndex("source"));
            rejects.put(source.substring(source.indexOf("/images/") + 8), r.getString(r.fieldIndex("reason")));
            assertFalse(r.isNullAt(r.fieldIndex("detail")), source);
        }
        assertEquals(Map.of("bag/truncated.jpg", ImageDecoder.CORRUPT, "coat/notes.png", ImageDecoder.NOT_AN_IMAGE,
                "coat/empty.png", ImageDecoder.EMPTY, "sneaker/cmyk.jpg", ImageDecoder.UNSUPPORTED_MODE,
                "sneaker/anim.gif", ImageDecoder.NOT_AN_IMAGE, "unlisted/t10k-00000.png", ImageDecoder.UNKNOWN_CLASS,
                "readme.txt", ImageDecoder.UNKNOWN_CLASS), rejects);
        assertEquals(List.of("source", "index", "split", "label", "reason", "detail"),
                List.of(spark.read().parquet(out.resolve("_rejects").toString()).columns()));
    }

    @Test
    void theSampleSplitsStratifiedAtAnySizeAndPartitionCount() throws Exception {
        ImageShape shape = new ImageShape(3, 32, 32);
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        PrepReport ra = ImageFolderPrep.run(spark, config(SAMPLE, a, List.of(), shape, 0.25, 0.25, 1), null);
        ImageFolderPrep.run(spark, config(SAMPLE, b, List.of(), shape, 0.25, 0.25, 2), null);

        PreparedDataset d = ra.dataset();
        List<String> folders = new ArrayList<>();
        try (var s = Files.list(SAMPLE)) {
            s.filter(Files::isDirectory).forEach(p -> folders.add(p.getFileName().toString()));
        }
        Collections.sort(folders);
        assertEquals(folders, d.labels(), "classes: the sorted sub-folders");
        assertEquals(10, d.labels().size());
        assertEquals(List.of(3, 32, 32), d.imageShape());
        assertEquals(List.of("train", "validation", "test"), List.copyOf(d.splits().keySet()));
        assertEquals(0, ra.rejects());
        for (String split : d.splits().keySet()) {
            long perClass = split.equals("train") ? 6 : 3;  // 12 per class: 3 validation, 3 test, 6 train
            d.require(split).rowsByLabel().values().forEach(n -> assertEquals(perClass, n, split));
            assertEquals(10, d.require(split).rowsByLabel().size(), split);
            List<String> rowsA = rowsOf(a, split);
            assertEquals(rowsA, rowsOf(b, split), split + " does not depend on the partition count");
            for (Row r : spark.read().parquet(a.resolve(split).toString()).collectAsList()) {
                byte[] p = (byte[]) r.get(0);
                assertEquals(3 * 32 * 32, p.length);
                // gray sources: the three planes are equal
                assertArrayEquals(java.util.Arrays.copyOfRange(p, 0, 1024), java.util.Arrays.copyOfRange(p, 1024, 2048));
                assertArrayEquals(java.util.Arrays.copyOfRange(p, 0, 1024), java.util.Arrays.copyOfRange(p, 2048, 3072));
            }
        }
    }

    @Test
    void badInputsFailBeforeAnythingIsWritten() {
        Path out = tmp.resolve("never");
        IllegalArgumentException noFolder = assertThrows(IllegalArgumentException.class, () -> ImageFolderPrep.run(spark,
                config(ImageDecoderTest.IMAGES, out, List.of("bag", "hat"), new ImageShape(1, 8, 8), 0, 0, 1), null));
        assertTrue(noFolder.getMessage().contains("class 'hat' has no folder"), noFolder.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> ImageFolderPrep.run(spark,
                config(tmp.resolve("nowhere"), out, List.of(), new ImageShape(1, 8, 8), 0, 0, 1), null));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> ImageShape.parse(List.of("4", "64", "64"), "prepare.imageSize"));
        assertTrue(shape.getMessage().contains("1 (grayscale) or 3 (RGB)"), shape.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void aMissingFileIsRejectedAsUnreadableAndAHadoopConfTravels() throws Exception {
        ImageFolderPrep.Reader reader = (ImageFolderPrep.Reader) ImageFolderPrep.reader(new Configuration(),
                new ImageShape(1, 28, 28));
        // what an executor gets: the function serialised and read back, configuration included
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(reader);
        }
        ImageFolderPrep.Reader shipped;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            shipped = (ImageFolderPrep.Reader) in.readObject();
        }
        String gone = tmp.resolve("deleted-after-listing.png").toUri().toString();
        Row missing = shipped.convert(org.apache.spark.sql.RowFactory.create(gone, 4L, "train", 1, null));
        assertEquals(ImageDecoder.UNREADABLE, missing.getString(5));
        assertTrue(missing.getString(6).contains("FileNotFoundException"), missing.getString(6));
        assertTrue(missing.isNullAt(3));
        String real = ImageDecoderTest.IMAGES.resolve("bag/t10k-00018.png").toAbsolutePath().toUri().toString();
        Row ok = shipped.convert(org.apache.spark.sql.RowFactory.create(real, 0L, "train", 0, null));
        assertTrue(ok.isNullAt(5));
        assertEquals(784, ((byte[]) ok.get(3)).length);
    }

    @Test
    void aLimitKeepsAStratifiedSample() {
        PrepReport r = ImageFolderPrep.run(spark, new ImageFolderConfig(SAMPLE.toAbsolutePath().toString(),
                tmp.resolve("fifty").toString(), List.of(), new ImageShape(1, 16, 16), 0.2, 0, 50, 3L, 2), null);
        assertEquals(40, r.rows("train"));
        assertEquals(10, r.rows("validation"));
        for (long n : r.classCounts().get("validation")) {
            assertEquals(1, n, "one validation image per class");
        }
    }

    /** A split's rows as sorted "label:pixels-hash" strings. */
    private static List<String> rowsOf(Path dataset, String split) {
        List<String> out = new ArrayList<>();
        for (Row r : spark.read().parquet(dataset.resolve(split).toString()).collectAsList()) {
            out.add(r.getInt(1) + ":" + java.util.Arrays.hashCode((byte[]) r.get(0)));
        }
        Collections.sort(out);
        return out;
    }
}

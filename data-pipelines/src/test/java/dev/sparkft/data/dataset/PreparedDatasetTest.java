package dev.sparkft.data.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The descriptor written, read back equal, and refused with the file and key named when missing or corrupt. */
class PreparedDatasetTest {
    static final Configuration CONF = new Configuration();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private PreparedDataset sample(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("train"));
        Files.createDirectories(dir.resolve("validation"));
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        ObjectNode fingerprint = JSON.createObjectNode().put("format", "text").put("maxLength", 64);
        fingerprint.putArray("trainFiles").add("part-0.parquet 100 1");
        return new PreparedDataset(AtomicOutputTest.hadoop(dir), PreparedDataset.TEXT_CLASSIFICATION,
                List.of(new PreparedDataset.Column("input_ids", "array<int>"), new PreparedDataset.Column("label", "int")),
                Map.of("train", new PreparedDataset.Split("train", 90, 80, Map.of("ham", 50L, "spam", 40L),
                        "train/_rejects", Map.of("empty text", 2L))),
                List.of("ham", "spam"), PreparedDataset.TOKENIZER_FILE, fingerprint);
    }

    @Test
    void roundTripsThroughItsFile() throws IOException {
        PreparedDataset written = sample(tmp.resolve("d"));
        written.write(CONF);
        PreparedDataset read = PreparedDataset.read(AtomicOutputTest.hadoop(tmp.resolve("d")), CONF);
        assertEquals(written.toJson(), read.toJson());
        assertEquals(written.splits(), read.splits());
        assertEquals(List.of("ham", "spam"), read.labels());
        assertEquals(2, read.require("train").rejected());
        assertEquals("{\"labels\":[\"ham\",\"spam\"]}",
                JSON.readTree(tmp.resolve("d/labels.json").toFile()).toString(), "labels.json written beside it");
        assertTrue(read.summary().get(0).startsWith("train: 90 rows of 80 documents {ham=50, spam=40}, 2 rejected"),
                read.summary().toString());
        // the same fingerprint: an existing dataset (a no-op); another: refused, naming the key
        assertEquals(read, PreparedDataset.existing(read.location(), written.fingerprint(), CONF).orElseThrow());
        // numbers compare by value (a long written reads back as an int), null equals absent
        ObjectNode same = written.fingerprint().deepCopy().put("maxLength", 64L).putNull("windowStride");
        assertEquals(read, PreparedDataset.existing(read.location(), same, CONF).orElseThrow());
        ObjectNode other = written.fingerprint().deepCopy().put("maxLength", 128);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreparedDataset.existing(read.location(), other, CONF));
        assertTrue(e.getMessage().contains("maxLength was 64, now 128"), e.getMessage());
        assertEquals(java.util.Optional.empty(),
                PreparedDataset.existing(AtomicOutputTest.hadoop(tmp.resolve("none")), other, CONF));
    }

    @Test
    void aMissingOrCorruptDescriptorIsNamedWithItsKey() throws IOException {
        Path d = tmp.resolve("d");
        sample(d).write(CONF);
        Path file = d.resolve(PreparedDataset.FILE);
        String good = Files.readString(file);

        Files.writeString(file, good.replace("\"rows\" : 90", "\"rows\" : -3"));
        assertMessage(d, file + ": key 'splits.train.rows' must be a non-negative integer, found -3");
        Files.writeString(file, good.replace("\"kind\" : \"text-classification\",", ""));
        assertMessage(d, file + ": key 'kind' is missing");
        Files.writeString(file, good.substring(0, good.length() / 2));
        assertMessage(d, file + " is not valid JSON");
        Files.writeString(file, good.replace("\"path\" : \"train\"", "\"path\" : \"../elsewhere\""));
        assertMessage(d, file + ": key 'splits.train.path'");
        Files.writeString(file, good);
        Files.writeString(d.resolve("labels.json"), "{\"labels\": [\"spam\", \"ham\"]}");
        assertMessage(d, "labels.json holds [\"spam\",\"ham\"] but ");
        assertMessage(d, file + " key 'labels' says [ham, spam]");
        sample(d).write(CONF);
        Files.delete(d.resolve("tokenizer.json"));
        assertMessage(d, file + ": key 'tokenizer' names ");
        Files.delete(file);
        assertMessage(d, AtomicOutputTest.hadoop(d) + " is not a prepared dataset: it has no dataset.json");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> PreparedDataset.existing(
                AtomicOutputTest.hadoop(d), JSON.createObjectNode(), CONF));
        assertTrue(refused.getMessage().contains("exists but holds no dataset.json"), refused.getMessage());
    }

    @Test
    void anImageDatasetRecordsItsShapeAndRefusesABadOne() throws IOException {
        Path d = tmp.resolve("images");
        Files.createDirectories(d.resolve("train"));
        List<PreparedDataset.Column> pixels = List.of(new PreparedDataset.Column("pixels", "binary"),
                new PreparedDataset.Column("label", "int"));
        Map<String, PreparedDataset.Split> splits = Map.of("train", new PreparedDataset.Split("train", 3, 3,
                Map.of("a", 2L, "b", 1L), "_rejects", Map.of("empty file", 1L)));
        PreparedDataset written = new PreparedDataset(AtomicOutputTest.hadoop(d), PreparedDataset.IMAGE_CLASSIFICATION,
                pixels, splits, List.of("a", "b"), null, JSON.createObjectNode(), List.of(3, 64, 64));
        written.write(CONF);
        PreparedDataset read = PreparedDataset.read(AtomicOutputTest.hadoop(d), CONF);
        assertEquals(List.of(3, 64, 64), read.imageShape());
        assertEquals(written.toJson(), read.toJson());
        read.requireImageShape(List.of(3, 64, 64), "model resnet18");
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> read.requireImageShape(List.of(3, 224, 224), "model resnet18"));
        assertTrue(model.getMessage().endsWith("dataset.json: images are [3, 64, 64] [C, H, W] but model resnet18 takes"
                + " [3, 224, 224]; prepare the images with imageSize [3, 224, 224]"), model.getMessage());

        Path file = d.resolve(PreparedDataset.FILE);
        String good = Files.readString(file);
        Files.writeString(file, good.replaceFirst("\"imageShape\" : \\[ 3, 64, 64 \\]", "\"imageShape\" : [ 3, 0, 64 ]"));
        assertMessage(d, file + ": key 'imageShape' must hold three positive integers");
        Files.writeString(file, good.replaceFirst("\"imageShape\" : \\[ 3, 64, 64 \\],?", ""));
        assertMessage(d, file + ": key 'imageShape' a dataset with a binary 'pixels' column needs its image shape");
        assertThrows(IllegalArgumentException.class, () -> new PreparedDataset(null, PreparedDataset.TEXT_CLASSIFICATION,
                pixels, splits, List.of(), null, null, List.of(1, 28, 28)), "text data has no image shape");
    }

    private static void assertMessage(Path dir, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PreparedDataset.read(AtomicOutputTest.hadoop(dir), CONF));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}

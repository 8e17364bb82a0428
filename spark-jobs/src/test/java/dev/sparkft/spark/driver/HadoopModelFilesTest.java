package dev.sparkft.spark.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files by Hadoop FileSystem URI: local paths and {@code file:} URIs are used in place; any other scheme
 * (here {@code copytest:}, Hadoop's local file system under another name, standing in for hdfs: or s3a:) is
 * copied to the driver's temporary folder and deleted on close; a missing one is named with its option key.
 */
class HadoopModelFilesTest {
    private static final String KEY = "model.options.weights";

    /** The local file system under a scheme that is not {@code file}, so the copy path runs for real. */
    public static final class CopyTestFileSystem extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("copytest:///");
        }

        @Override
        public String getScheme() {
            return "copytest";
        }
    }

    @TempDir
    Path dir;

    private static Configuration conf() {
        Configuration conf = new Configuration();
        conf.set("fs.copytest.impl", CopyTestFileSystem.class.getName());
        conf.setBoolean("fs.copytest.impl.disable.cache", true);
        return conf;
    }

    private Path folder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("remote/model"));
        Files.writeString(folder.resolve("config.json"), "{\"hidden_size\": 8}");
        Files.write(folder.resolve("model.safetensors"), new byte[] {1, 2, 3, 4, 5});
        Files.createDirectories(folder.resolve("checkpoints")); // subfolders are not copied
        return folder;
    }

    /** predict of raw text reads the exported folder's tokenizer.json through the same file systems. */
    @Test
    void predictReadsAFoldersTokenizerFromAnyFileSystem() throws Exception {
        Path folder = folder();
        Files.writeString(folder.resolve("tokenizer.json"), "{\"model\": {}}");
        dev.sparkft.spark.config.TrainConfig.PredictSettings local = new dev.sparkft.spark.config.TrainConfig
                .PredictSettings("in", "text", null, java.util.List.of(), "out", 8, folder.toString());
        PredictJob.TokenizerFile inPlace = PredictJob.tokenizer(null, local, true, conf());
        assertEquals(folder.resolve("tokenizer.json"), inPlace.path());
        assertFalse(inPlace.temporary());

        dev.sparkft.spark.config.TrainConfig.PredictSettings remote = new dev.sparkft.spark.config.TrainConfig
                .PredictSettings("in", "text", null, java.util.List.of(), "out", 8, "copytest://" + folder);
        PredictJob.TokenizerFile copy = PredictJob.tokenizer(null, remote, true, conf());
        assertTrue(copy.temporary(), "a copy the job deletes");
        assertNotEquals(folder.resolve("tokenizer.json"), copy.path());
        assertEquals("{\"model\": {}}", Files.readString(copy.path()));
        Files.delete(copy.path());

        Files.delete(folder.resolve("tokenizer.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PredictJob.tokenizer(null, remote, true, conf()));
        assertTrue(e.getMessage().startsWith("predict.model: copytest://" + folder + " has no tokenizer.json"),
                e.getMessage());
    }

    @Test
    void localPathsAndFileUrisAreUsedInPlace() throws Exception {
        Path folder = folder();
        try (HadoopModelFiles files = new HadoopModelFiles(conf(), dir.resolve("tmp"))) {
            assertEquals(folder, files.local(KEY, folder.toString()));
            assertEquals(folder, files.local(KEY, folder.toUri().toString()));
        }
        assertFalse(Files.exists(dir.resolve("tmp")), "nothing was copied");
    }

    @Test
    void otherSchemesAreCopiedToTheDriverAndDeletedOnClose() throws Exception {
        Path folder = folder();
        Path copy;
        Path copiedFile;
        try (HadoopModelFiles files = new HadoopModelFiles(conf(), dir.resolve("tmp"))) {
            copy = files.local(KEY, "copytest://" + folder);
            assertNotEquals(folder, copy);
            assertTrue(copy.startsWith(dir.resolve("tmp")), copy.toString());
            assertEquals("model", copy.getFileName().toString());
            assertEquals("{\"hidden_size\": 8}", Files.readString(copy.resolve("config.json")));
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Files.readAllBytes(copy.resolve("model.safetensors")));
            assertFalse(Files.exists(copy.resolve("checkpoints")));
            copiedFile = files.local("model.options.config", "copytest://" + folder.resolve("config.json"));
            assertEquals("config.json", copiedFile.getFileName().toString());
            assertEquals("{\"hidden_size\": 8}", Files.readString(copiedFile));
        }
        assertFalse(Files.exists(copy), "the copy is deleted on close");
        assertFalse(Files.exists(copiedFile));
        assertTrue(Files.isRegularFile(folder.resolve("model.safetensors")), "the original is left alone");
    }

    @Test
    void aMissingLocationIsNamedWithItsKey() {
        String missing = "copytest://" + dir.resolve("nowhere");
        try (HadoopModelFiles files = new HadoopModelFiles(conf(), dir.resolve("tmp"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> files.local(KEY, missing));
            assertEquals("option '" + KEY + "': " + missing + " does not exist", e.getMessage());
            String local = dir.resolve("gone").toUri().toString();
            e = assertThrows(IllegalArgumentException.class, () -> files.local(KEY, local));
            assertEquals("option '" + KEY + "': " + dir.resolve("gone") + " does not exist", e.getMessage());
        }
    }
}

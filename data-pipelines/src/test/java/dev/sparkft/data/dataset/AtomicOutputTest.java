package dev.sparkft.data.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.TestSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporary-sibling-then-rename writes in local Spark, including a job that fails on an executor mid-output. */
class AtomicOutputTest {
    static SparkSession spark;
    static Configuration conf;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
        conf = spark.sparkContext().hadoopConfiguration();
    }

    @Test
    void aFolderAppearsOnlyWhenCompleteAndIsNeverReplaced() throws IOException {
        org.apache.hadoop.fs.Path target = hadoop(tmp.resolve("t"));
        AtomicOutput.writeDirectory(target, conf, dir -> {
            assertFalse(Files.exists(tmp.resolve("t")), "nothing under the real name while writing");
            spark.range(5).toDF().write().parquet(new org.apache.hadoop.fs.Path(dir, "a").toString());
        });
        assertEquals(5, spark.read().parquet(tmp.resolve("t/a").toString()).count());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () ->
                AtomicOutput.writeDirectory(target, conf, dir -> spark.range(7).toDF().write().parquet(dir.toString())));
        assertTrue(again.getMessage().contains("already exists") && again.getMessage().contains(tmp.resolve("t").toString()),
                again.getMessage());
        assertEquals(5, spark.read().parquet(tmp.resolve("t/a").toString()).count(), "the first output is untouched");
        assertEquals(List.of("t"), names(tmp));
    }

    @Test
    void aFailureInTheMiddleLeavesNoCompleteLookingOutput() throws IOException {
        org.apache.hadoop.fs.Path target = hadoop(tmp.resolve("out"));
        Dataset<Row> failing = spark.range(100).map((MapFunction<Long, Long>) v -> {
            if (v == 77) {
                throw new IllegalStateException("row 77 is bad");
            }
            return v;
        }, Encoders.LONG()).toDF();
        // the first table is written completely, the second fails on an executor
        Exception e = assertThrows(Exception.class, () -> AtomicOutput.writeDirectory(target, conf, dir -> {
            spark.range(10).toDF().write().parquet(new org.apache.hadoop.fs.Path(dir, "train").toString());
            failing.write().parquet(new org.apache.hadoop.fs.Path(dir, "test").toString());
        }));
        assertTrue(String.valueOf(e.getMessage()).contains("row 77 is bad")
                || String.valueOf(e.getCause()).contains("row 77 is bad"), String.valueOf(e));
        assertEquals(List.of(), names(tmp), "neither the output nor its temporary sibling is left");
    }

    @Test
    void aFileIsReplacedWholeAndAFailedWriteKeepsTheOldOne() throws IOException {
        org.apache.hadoop.fs.Path file = hadoop(tmp.resolve("sub/labels.json"));
        AtomicOutput.writeFile(file, conf, out -> out.write("one".getBytes(StandardCharsets.UTF_8)));
        AtomicOutput.writeFile(file, conf, out -> out.write("two".getBytes(StandardCharsets.UTF_8)));
        assertEquals("two", Files.readString(tmp.resolve("sub/labels.json")));
        assertThrows(java.io.UncheckedIOException.class, () -> AtomicOutput.writeFile(file, conf, out -> {
            out.write("thr".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("two", Files.readString(tmp.resolve("sub/labels.json")));
        assertEquals(List.of("labels.json"), names(tmp.resolve("sub")), "no temporary file or .crc left");
    }

    static org.apache.hadoop.fs.Path hadoop(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

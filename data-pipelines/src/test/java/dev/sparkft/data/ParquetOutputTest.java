package dev.sparkft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporary-name-then-rename writes in local Spark, including a job that fails on an executor. */
class ParquetOutputTest {
    static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    @Test
    void replacesAnExistingTableAndLeavesNothingTemporary() throws IOException {
        String target = tmp.resolve("t").toString();
        ParquetOutput.replace(spark.range(5).toDF(), target);
        ParquetOutput.replace(spark.range(7).toDF(), target);
        assertEquals(7, spark.read().parquet(target).count());
        assertEquals(List.of("t"), names(tmp));
    }

    @Test
    void aFailedWriteKeepsTheOldTableAndRemovesItsPartialOutput() throws IOException {
        String target = tmp.resolve("t").toString();
        ParquetOutput.replace(spark.range(5).toDF(), target);
        Dataset<Row> failing = spark.range(100).map((MapFunction<Long, Long>) v -> {
            if (v == 77) {
                throw new IllegalStateException("row 77 is bad");
            }
            return v;
        }, Encoders.LONG()).toDF();
        Exception e = assertThrows(Exception.class, () -> ParquetOutput.replace(failing, target));
        assertEquals(true, String.valueOf(e.getMessage()).contains("row 77 is bad")
                || String.valueOf(e.getCause()).contains("row 77 is bad"), String.valueOf(e));
        assertEquals(5, spark.read().parquet(target).count());
        assertEquals(List.of("t"), names(tmp));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

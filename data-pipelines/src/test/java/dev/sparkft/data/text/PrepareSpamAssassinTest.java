package dev.sparkft.data.text;

import java.nio.file.Path;
import dev.sparkft.data.dataset.PreparedDataset;
import java.util.List;
import java.util.Map;

import dev.sparkft.data.TestSpark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrepareSpamAssassinTest {

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    @Test
    void writesStratifiedRawTextSplits(@TempDir Path tmp) {
        String out = tmp.resolve("prepared").toString();
        PrepareSpamAssassin.Options options = new PrepareSpamAssassin.Options(
                TestResources.path("spamassassin/data").toString(), out, split(0.5, 0.5), 3, 2000);
        PreparedDataset d = PrepareSpamAssassin.run(spark, options, null);
        // ham 11 -> round(5.5) = 6 train, 5 test; spam 6 -> 3 / 3
        assertEquals(9L, d.require("train").rows());
        assertEquals(Map.of("ham", 5L, "spam", 3L), d.require("test").rowsByLabel());
        assertEquals(List.of("ham", "spam"), d.labels());
        assertEquals(PreparedDataset.RAW_TEXT, PreparedDataset.read(new org.apache.hadoop.fs.Path(out),
                spark.sparkContext().hadoopConfiguration()).kind());
        assertEquals(3, spark.read().parquet(out + "/test").filter("label = 'spam'").count());
        assertEquals(java.util.List.of("id", "text", "label"), java.util.List.of(spark.read().parquet(out + "/train").columns()));
    }

    @Test
    void badFractionsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PrepareSpamAssassin.Options("d", "o", split(0.9, 0.2), 42, 2000));
        assertTrue(e.getMessage().contains("sum to"), e.getMessage());
    }

    static Map<String, Double> split(double train, double test) {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("train", train);
        m.put("test", test);
        return m;
    }
}

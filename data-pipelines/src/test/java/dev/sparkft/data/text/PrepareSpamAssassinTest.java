package dev.sparkft.data.text;

import java.nio.file.Path;
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
        PrepareSpamAssassin.Options options = PrepareSpamAssassin.Options.parse(
                "--data", TestResources.path("spamassassin/data").toString(), "--out", out,
                "--splits", "train=0.5,test=0.5", "--seed", "3");
        Map<String, Long> counts = PrepareSpamAssassin.run(spark, options);
        // ham 11 -> round(5.5) = 6 train, 5 test; spam 6 -> 3 / 3
        assertEquals(Map.of("train", 9L, "test", 8L), counts);
        assertEquals(3, spark.read().parquet(out + "/test").filter("label = 'spam'").count());
        assertEquals(java.util.List.of("id", "text", "label"), java.util.List.of(spark.read().parquet(out + "/train").columns()));
    }

    @Test
    void unknownOptionsAndBadFractionsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrepareSpamAssassin.Options.parse("--data", "d", "--out", "o", "--split", "train=1"));
        assertTrue(e.getMessage().contains("'--split'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PrepareSpamAssassin.Options.parse("--data", "d", "--out", "o", "--splits", "train=0.9,test=0.2"));
        assertTrue(e.getMessage().contains("sum to"), e.getMessage());
    }
}

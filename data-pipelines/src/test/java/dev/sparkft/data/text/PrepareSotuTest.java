package dev.sparkft.data.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import dev.sparkft.data.dataset.PreparedDataset;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real addresses (test resources sotu/: 2 Democratic presidents, 3 Republican, Washington without party). */
class PrepareSotuTest {

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    @Test
    void splitsHoldOutWholePresidentsOfTheChosenParties(@TempDir Path tmp) throws Exception {
        String out = tmp.resolve("sotu").toString();
        PreparedDataset d = PrepareSotu.run(spark, options(TestResources.path("sotu").toString(), out, "party",
                List.of("Democratic", "Republican")), null);
        Map<String, Long> counts = Map.of("train", d.require("train").rows(), "validation", d.require("validation").rows());
        // Presidents per party: Democratic 2 -> 1 / 1, Republican 3 -> round(1.5) = 2 / 1; Washington dropped.
        assertEquals(6L, counts.values().stream().mapToLong(Long::longValue).sum());
        Set<String> seen = new HashSet<>();
        for (String split : List.of("train", "validation")) {
            List<Row> rows = spark.read().parquet(out + "/" + split).collectAsList();
            assertEquals(counts.get(split), rows.size());
            Set<String> presidents = new HashSet<>();
            for (Row r : rows) {
                presidents.add(r.getAs("president"));
                String id = r.getAs("id");
                assertTrue(Files.readString(TestResources.path("sotu/" + id + ".json")).contains(
                        ((String) r.getAs("text")).substring(0, 200).replace("\"", "\\\"")), "text of " + id);
                assertEquals(Integer.parseInt(id.substring(0, 4)), (int) r.getAs("year"));
                assertEquals(id.endsWith("_d") ? "Democratic" : "Republican", r.getAs("label"));
            }
            for (String p : presidents) {
                assertTrue(seen.add(p), p + " in two splits");
            }
            assertEquals(Set.of("Democratic", "Republican"), Set.copyOf(rows.stream().map(r -> (String) r.getAs("label")).toList()),
                    split + " holds both parties");
        }
        assertEquals(5, seen.size());
        assertFalse(seen.contains("George Washington"));
        assertEquals(List.of("id", "text", "label", "year", "president"), List.of(spark.read().parquet(out + "/train").columns()));
    }

    @Test
    void centuryLabelsFollowTheYear(@TempDir Path tmp) {
        String out = tmp.resolve("century").toString();
        PrepareSotu.run(spark, options(TestResources.path("sotu").toString(), out, "century",
                List.of("Democratic", "Republican")), null);
        List<Row> rows = spark.read().parquet(out + "/train").union(spark.read().parquet(out + "/validation"))
                .collectAsList();
        assertEquals(6, rows.size());
        for (Row r : rows) {
            assertEquals((int) r.getAs("year") < 1900 ? "before 1900" : "1900 on", r.getAs("label"), (String) r.getAs("id"));
        }
        assertThrows(IllegalArgumentException.class, () -> options("d", "o", "era", List.of("Democratic")));
    }

    @Test
    void absentPartiesAndMissingFilesAreNamed(@TempDir Path tmp) {
        IllegalArgumentException party = assertThrows(IllegalArgumentException.class, () -> PrepareSotu.run(spark,
                options(TestResources.path("sotu").toString(), tmp.resolve("a").toString(), "party",
                        List.of("Republican", "Whig")), null));
        assertTrue(party.getMessage().contains("[Whig]"), party.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> PrepareSotu.run(spark,
                options(tmp.toString(), tmp.resolve("b").toString(), "party", List.of("Democratic")), null));
        assertTrue(empty.getMessage().contains("no State of the Union *.json files in " + tmp), empty.getMessage());
        assertFalse(Files.exists(tmp.resolve("a")), "nothing written on failure");
    }

    static PrepareSotu.Options options(String data, String out, String label, List<String> parties) {
        Map<String, Double> splits = new java.util.LinkedHashMap<>();
        splits.put("train", 0.5);
        splits.put("validation", 0.5);
        return new PrepareSotu.Options(data, out, label, parties, splits, 42);
    }
}

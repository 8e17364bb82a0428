package dev.sparkft.data.text;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.sparkft.data.TestSpark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextSplitsTest {

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    /** 1,000 rows, 30 % spam, with SpamAssassin-like ids. */
    private static Dataset<Row> rows(int partitions) {
        return spark.range(1000).repartition(partitions)
                .select(concat(lit("msg/"), col("id").cast("string")).as("id"),
                        when(col("id").mod(10).lt(3), "spam").otherwise("ham").as("label"));
    }

    private static Map<String, String> assignment(Dataset<Row> assigned) {
        return assigned.collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(2)));
    }

    private static Map<String, Double> fractions(double train, double validation, double test) {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("train", train);
        f.put("validation", validation);
        f.put("test", test);
        return f;
    }

    @Test
    void sameSeedSameSplitWhateverThePartitioningAndOrder() {
        TextSplits splits = new TextSplits(fractions(0.8, 0.1, 0.1), 42);
        Map<String, String> a = assignment(splits.assign(rows(1), "id", "label"));
        Map<String, String> b = assignment(splits.assign(rows(7).orderBy(col("id").desc()), "id", "label"));
        assertEquals(1000, a.size());
        assertEquals(a, b);
        Map<String, String> otherSeed = assignment(new TextSplits(fractions(0.8, 0.1, 0.1), 43).assign(rows(1), "id", "label"));
        assertNotEquals(a, otherSeed);
    }

    @Test
    void everyLabelIsSplitInTheGivenProportions() {
        Dataset<Row> assigned = new TextSplits(fractions(0.8, 0.1, 0.1), 7).assign(rows(3), "id", "label");
        Map<String, Long> counts = assigned.groupBy("label", "split").count().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0) + "/" + r.getString(1), r -> r.getLong(2)));
        assertEquals(Map.of("ham/train", 560L, "ham/validation", 70L, "ham/test", 70L,
                "spam/train", 240L, "spam/validation", 30L, "spam/test", 30L), counts);
    }

    @Test
    void fractionsBelowOneDrawAStratifiedSampleThatIsDisjoint() {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("train", 0.2);
        f.put("test", 0.05);
        Map<String, Dataset<Row>> parts = new TextSplits(f, 1).split(rows(2), "id", "label");
        List<Row> train = parts.get("train").collectAsList();
        List<Row> test = parts.get("test").collectAsList();
        assertEquals(200, train.size());
        assertEquals(50, test.size());
        assertEquals(60, train.stream().filter(r -> r.getString(1).equals("spam")).count());
        assertEquals(15, test.stream().filter(r -> r.getString(1).equals("spam")).count());
        Set<String> ids = new HashSet<>();
        train.forEach(r -> ids.add(r.getString(0)));
        test.forEach(r -> assertTrue(ids.add(r.getString(0)), "train and test overlap"));
        assertEquals(List.of("id", "label"), List.of(parts.get("train").columns()));
    }

    @Test
    void invalidFractionsAndColumnsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TextSplits(fractions(0.8, 0.2, 0.1), 1));
        assertThrows(IllegalArgumentException.class, () -> new TextSplits(fractions(0.8, 0.0, 0.1), 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TextSplits(fractions(0.8, 0.1, 0.1), 1).assign(rows(1), "message_id", "label"));
        assertTrue(e.getMessage().contains("message_id"), e.getMessage());
    }
}

package dev.sparkft.data.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.sparkft.data.TestSpark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader on 17 real messages in the npm package's layout (src/test/resources/spamassassin). */
class SpamAssassinReaderTest {

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    @Test
    void readsEveryMessageWithLabelFromItsFolder() {
        String dir = TestResources.path("spamassassin/data").toString();
        List<Row> rows = new SpamAssassinReader(SpamAssassinReader.DEFAULT_MAX_CHARS).read(spark, dir).collectAsList();
        assertEquals(17, rows.size());
        Map<String, Long> byLabel = rows.stream().collect(Collectors.groupingBy(r -> r.getString(2), Collectors.counting()));
        assertEquals(Map.of("ham", 11L, "spam", 6L), byLabel);
        Map<String, Row> byId = rows.stream().collect(Collectors.toMap(r -> r.getString(0), r -> r));
        Row lifeInsurance = byId.get("spam-1/00001.7848dde101aa985090474a91ec93fcf0");
        assertEquals("spam", lifeInsurance.getString(2));
        assertTrue(lifeInsurance.getString(1).startsWith("Life Insurance - Why Pay More?\n\n"), lifeInsurance.getString(1));
        assertTrue(lifeInsurance.getString(3).endsWith("spam-1/00001.7848dde101aa985090474a91ec93fcf0.txt"));
        assertEquals("ham", byId.get("hard-ham-1/00007.d24e99a602ee7fb442714c0d448cd08e").getString(2));
        for (Row r : rows) {
            assertTrue(r.getString(1).length() <= SpamAssassinReader.DEFAULT_MAX_CHARS, r.getString(0));
            assertTrue(!r.getString(1).isBlank(), r.getString(0));
        }
    }

    @Test
    void capLimitsTheTextLength() {
        String dir = TestResources.path("spamassassin/data").toString();
        List<Row> rows = new SpamAssassinReader(100).read(spark, dir).collectAsList();
        assertTrue(rows.stream().allMatch(r -> r.getString(1).length() <= 100));
        assertTrue(rows.stream().anyMatch(r -> r.getString(1).length() >= 95), "long messages are cut near the cap");
    }

    @Test
    void fileInAnUnknownFolderIsNamedInTheError(@TempDir Path tmp) throws Exception {
        Path odd = Files.createDirectories(tmp.resolve("data/unsorted"));
        Files.copy(TestResources.path("spamassassin/data/spam-1/00022.8203cdf03888f656dc0381701148f73d.txt"),
                odd.resolve("00022.8203cdf03888f656dc0381701148f73d.txt"));
        Exception e = assertThrows(Exception.class,
                () -> new SpamAssassinReader(2000).read(spark, tmp.resolve("data").toString()).collectAsList());
        String message = rootMessage(e);
        assertTrue(message.contains("unsorted/00022.8203cdf03888f656dc0381701148f73d.txt"), message);
        assertTrue(message.contains("easy-ham-*"), message);
    }

    @Test
    void missingOrEmptyFolderSaysWhatToDo(@TempDir Path tmp) {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new SpamAssassinReader(2000).read(spark, tmp.resolve("nothing").toString()));
        assertTrue(missing.getMessage().contains("fetch-spamassassin.sh"), missing.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new SpamAssassinReader(2000).read(spark, tmp.toString()));
        assertTrue(empty.getMessage().contains("no SpamAssassin messages"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SpamAssassinReader(0));
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}

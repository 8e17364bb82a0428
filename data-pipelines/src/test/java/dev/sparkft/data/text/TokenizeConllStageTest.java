package dev.sparkft.data.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.data.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real CoNLL-2003 English sample lines, tokenised with all-MiniLM-L6-v2's tokenizer into token-labelled Parquet. */
class TokenizeConllStageTest {
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    @Test
    void wordTagsLandOnEachWordsFirstSubToken() {
        List<ConllSentence> sentences = ConllReader.read(TestResources.path("conll/conll2003-en.sample"));
        TextTokenizer tokenizer = new TextTokenizer(TestResources.miniLmTokenizer(), 16);
        String out = tmp.resolve("ner").toString();
        TokenizeConllStage.Result result = new TokenizeConllStage(tokenizer, null)
                .run(spark, Map.of("train", sentences), out);

        assertEquals(List.of("I-MISC", "I-ORG", "I-PER", "O"), result.tags().labels(), "sorted distinct tags");
        assertEquals(new TokenizeConllStage.Counts(2, 0), result.splits().get("train"));
        assertEquals(result.tags(), LabelVocabulary.load(new org.apache.hadoop.fs.Path(out), new Configuration()));
        assertTrue(Files.exists(Path.of(out, "tokenizer.json")), "the tokenizer ships with the data (for export)");
        List<Row> rows = spark.read().parquet(out + "/train").collectAsList();
        assertEquals(2, rows.size());
        for (Row row : rows) {
            List<Integer> ids = row.getList(row.fieldIndex("input_ids"));
            List<Integer> labels = row.getList(row.fieldIndex("labels"));
            assertEquals(16, ids.size());
            assertEquals(16, labels.size());
            // The second sentence, "Peter Blackburn": [CLS] peter blackburn [SEP] + padding, both words I-PER (id 2).
            if (ids.get(1) == tokenizer.encode("peter").inputIds()[1]) {
                List<Integer> expected = new ArrayList<>(List.of(-100, 2, 2, -100));
                while (expected.size() < 16) {
                    expected.add(-100);
                }
                assertEquals(expected, labels);
            } else {
                // "EU rejects German call to boycott British lamb ." : 9 words, every word one label, rest -100.
                long labelled = labels.stream().filter(l -> l != -100).count();
                assertEquals(9, labelled, "one label per word (first sub-token), got " + labels);
                assertEquals(1, labels.get(1), "EU is I-ORG");
            }
        }
    }

    @Test
    void unknownTagsAreRejectedNamingTheTagAndNothingIsReplaced() throws Exception {
        List<ConllSentence> sentences = ConllReader.read(TestResources.path("conll/conll2003-en.sample"));
        TextTokenizer tokenizer = new TextTokenizer(TestResources.miniLmTokenizer(), 16);
        String out = tmp.resolve("ner").toString();
        Map<String, List<ConllSentence>> splits = new LinkedHashMap<>();
        splits.put("train", sentences);
        TokenizeConllStage.Result result = new TokenizeConllStage(tokenizer,
                new LabelVocabulary(List.of("O", "I-PER", "I-ORG"))).run(spark, splits, out);
        assertEquals(new TokenizeConllStage.Counts(1, 1), result.splits().get("train"), "the I-MISC sentence is rejected");
        Row rejected = spark.read().parquet(out + "/train/_rejects").first();
        assertEquals("unknown tag 'I-MISC' at word 2", rejected.getString(rejected.fieldIndex("reason")));

        long before = Files.walk(Path.of(out)).count();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TokenizeConllStage(tokenizer, null).run(spark, splits, out));
        assertTrue(e.getMessage().contains(out), e.getMessage());
        assertEquals(before, Files.walk(Path.of(out)).count(), "the existing output is untouched");
    }
}

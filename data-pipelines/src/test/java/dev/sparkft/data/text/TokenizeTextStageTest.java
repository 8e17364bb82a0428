package dev.sparkft.data.text;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sparkft.data.TestSpark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizeTextStageTest {

    private static SparkSession spark;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
        tokenizer = new TextTokenizer(TestResources.miniLmTokenizer(), 32);
    }

    @Test
    void realMessagesBecomeTheTrainingConventionWithRejects(@TempDir Path tmp) {
        Dataset<Row> mail = new SpamAssassinReader(SpamAssassinReader.DEFAULT_MAX_CHARS)
                .read(spark, TestResources.path("spamassassin/data").toString());
        Dataset<Row> broken = spark.createDataFrame(List.of(
                RowFactory.create("x/empty", "   \n ", "ham", "synthetic"),
                RowFactory.create("x/nolabel", "Tiny DNS Swap", null, "synthetic"),
                RowFactory.create("x/unknown", "Tiny DNS Swap", "phishing", "synthetic")), nullable(SpamAssassinReader.SCHEMA));
        Map<String, Dataset<Row>> splits = new LinkedHashMap<>();
        splits.put("train", mail.union(broken));
        String out = tmp.resolve("tokenised").toString();

        TokenizeTextStage.Result result =
                new TokenizeTextStage(tokenizer, new LabelVocabulary(List.of("ham", "spam"))).run(spark, splits, out);

        TokenizeTextStage.SplitCounts c = result.splits().get("train");
        assertEquals(17, c.kept());
        assertEquals(Map.of("ham", 11L, "spam", 6L), c.keptByLabel());
        assertEquals(Map.of(TokenizeTextStage.EMPTY_TEXT, 1L, TokenizeTextStage.MISSING_LABEL, 1L,
                TokenizeTextStage.UNKNOWN_LABEL, 1L), c.rejectedByReason());

        Dataset<Row> train = spark.read().parquet(out + "/train");
        StructType schema = train.schema();
        assertEquals(List.of("id", "input_ids", "attention_mask", "token_type_ids", "label"), List.of(schema.fieldNames()));
        for (String column : List.of("input_ids", "attention_mask", "token_type_ids")) {
            assertEquals(DataTypes.IntegerType, ((ArrayType) schema.apply(column).dataType()).elementType(), column);
        }
        assertEquals(DataTypes.IntegerType, schema.apply("label").dataType());
        List<Row> rows = train.collectAsList();
        assertEquals(17, rows.size(), "_rejects inside the split folder is not read as data");
        for (Row r : rows) {
            assertEquals(32, r.getList(1).size());
            assertEquals(32, r.getList(2).size());
            assertEquals(32, r.getList(3).size());
            assertEquals(r.getString(0).startsWith("spam") ? 1 : 0, r.getInt(4), r.getString(0));
        }
        Row tinyDns = rows.stream().filter(r -> r.getString(0).equals("easy-ham-1/00062.009f5a1a8fa88f0b38299ad01562bb37")).findFirst().orElseThrow();
        int[] ids = tinyDns.getList(1).stream().mapToInt(v -> (Integer) v).toArray();
        String text = mail.filter("id = 'easy-ham-1/00062.009f5a1a8fa88f0b38299ad01562bb37'").first().getString(1);
        assertArrayEquals(tokenizer.encode(text).inputIds(), ids, "executor output equals the driver-side tokenizer");

        List<Row> rejects = spark.read().parquet(out + "/train/" + TokenizeTextStage.REJECTS_DIR).orderBy("id").collectAsList();
        assertEquals(3, rejects.size());
        assertEquals(List.of("id", "text", "label", "reason"), List.of(rejects.get(0).schema().fieldNames()));
        assertEquals("x/empty", rejects.get(0).getString(0));
        assertEquals(TokenizeTextStage.EMPTY_TEXT, rejects.get(0).getString(3));
        assertEquals(TokenizeTextStage.MISSING_LABEL, rejects.get(1).getString(3));
        assertEquals("phishing", rejects.get(2).getString(2));
        assertEquals(TokenizeTextStage.UNKNOWN_LABEL, rejects.get(2).getString(3));

        assertEquals(List.of("ham", "spam"), LabelVocabulary.load(new org.apache.hadoop.fs.Path(out), new Configuration()).labels());
    }

    @Test
    void longDocumentsBecomeNumberedWindowsWithTheirLabel(@TempDir Path tmp) throws Exception {
        String speech = Files.readString(TestResources.path("text/sotu-1790_george_washington_n.txt"));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
                .add("label", DataTypes.StringType);
        List<Row> input = List.of(
                RowFactory.create("sotu-1790", speech, "speech"),
                RowFactory.create("short", "Save up to 70% on international calls!", "ad"),
                RowFactory.create("empty", "  ", "ad"),
                RowFactory.create("unknown", "Tiny DNS Swap", "poem"),
                RowFactory.create("mid", "You'll save up to 70% on international phone calls when you use our online"
                        + " phone card. Order now and you will get 20 free minutes of calling.", "ad"));
        Map<String, Dataset<Row>> splits = new LinkedHashMap<>();
        splits.put("validation", spark.createDataFrame(input, schema).coalesce(1));
        String out = tmp.resolve("windows").toString();

        TokenizeTextStage.Result result = new TokenizeTextStage(tokenizer, new LabelVocabulary(List.of("ad", "speech")))
                .withWindows(8).run(spark, splits, out);

        Map<String, List<EncodedText>> expected = new LinkedHashMap<>();
        for (Row r : input.subList(0, 2)) {
            expected.put(r.getString(0), tokenizer.encodeWindows(r.getString(1), 8));
        }
        expected.put("mid", tokenizer.encodeWindows(input.get(4).getString(1), 8));
        assertTrue(expected.get("sotu-1790").size() > 50, "the speech spans many 32-token windows");
        assertEquals(2, expected.get("mid").size());
        long windows = expected.values().stream().mapToLong(List::size).sum();
        TokenizeTextStage.SplitCounts c = result.splits().get("validation");
        assertEquals(windows, c.kept());
        assertEquals(3, c.documents());
        assertEquals(Map.of("ad", 3L, "speech", (long) expected.get("sotu-1790").size()), c.keptByLabel());
        assertEquals(Map.of(TokenizeTextStage.EMPTY_TEXT, 1L, TokenizeTextStage.UNKNOWN_LABEL, 1L), c.rejectedByReason());

        Dataset<Row> written = spark.read().parquet(out + "/validation");
        assertEquals(List.of("id", "document", "window", "input_ids", "attention_mask", "token_type_ids", "label"),
                List.of(written.schema().fieldNames()));
        Map<String, Integer> documentOf = new HashMap<>();
        for (Row r : written.orderBy("document", "window").collectAsList()) {
            String id = r.getString(0);
            int window = r.getInt(2);
            EncodedText want = expected.get(id).get(window);
            assertArrayEquals(want.inputIds(), ints(r.getList(3)), id + " window " + window);
            assertArrayEquals(want.attentionMask(), ints(r.getList(4)), id + " window " + window);
            assertEquals(id.equals("sotu-1790") ? 1 : 0, r.getInt(6), "every window carries its document's label");
            Integer before = documentOf.putIfAbsent(id, r.getInt(1));
            assertTrue(before == null || before == r.getInt(1), "one document number per text");
        }
        assertEquals(Map.of("sotu-1790", 0, "short", 1, "mid", 4), documentOf, "documents numbered in input order");
        List<Row> rejects = spark.read().parquet(out + "/validation/" + TokenizeTextStage.REJECTS_DIR)
                .select("id", "reason").orderBy("id").collectAsList();
        assertEquals("[[empty,empty text], [unknown,unknown label]]", rejects.toString());
    }

    @Test
    void windowsRefusePairsAndStridesThatLeaveNoRoom(@TempDir Path tmp) {
        IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                () -> new TokenizeTextStage(tokenizer, null).withWindows(30));
        assertTrue(stride.getMessage().startsWith("window stride must be in [0, 29]"), stride.getMessage());
        Dataset<Row> pairs = spark.createDataFrame(List.of(RowFactory.create("a", "b", "x")),
                new StructType().add("text", DataTypes.StringType).add("text_pair", DataTypes.StringType)
                        .add("label", DataTypes.StringType));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenizeTextStage(tokenizer, null)
                .withWindows(8).run(spark, Map.of("train", pairs), tmp.resolve("out").toString()));
        assertTrue(e.getMessage().contains("windows apply to single texts"), e.getMessage());
    }

    private static int[] ints(List<Object> values) {
        return values.stream().mapToInt(v -> (Integer) v).toArray();
    }

    private static StructType nullable(StructType schema) {
        StructType out = new StructType();
        for (var f : schema.fields()) {
            out = out.add(f.name(), f.dataType(), true);
        }
        return out;
    }

    @Test
    void pairsDiscoveredSortedLabelsAndTwoSplits(@TempDir Path tmp) throws Exception {
        StructType schema = new StructType().add("text", DataTypes.StringType).add("text_pair", DataTypes.StringType)
                .add("label", DataTypes.StringType);
        Dataset<Row> train = spark.createDataFrame(List.of(
                RowFactory.create("Save up to 70% on international calls!", "You'll save up to 70% on international phone calls.", "same"),
                RowFactory.create("Tiny DNS Swap", "Life Insurance - Why Pay More?", "different"),
                RowFactory.create("Tiny DNS Swap", "", "different")), schema);
        Dataset<Row> test = spark.createDataFrame(List.of(
                RowFactory.create("Peter Blackburn", "EU rejects German call to boycott British lamb .", "different")), schema);
        Map<String, Dataset<Row>> splits = new LinkedHashMap<>();
        splits.put("train", train);
        splits.put("test", test);
        String out = tmp.resolve("pairs").toString();

        TokenizeTextStage.Result result = new TokenizeTextStage(tokenizer, null).run(spark, splits, out);

        assertEquals(List.of("different", "same"), result.labels().labels());
        assertEquals(Map.of(TokenizeTextStage.EMPTY_TEXT_PAIR, 1L), result.splits().get("train").rejectedByReason());
        assertEquals(1, result.splits().get("test").kept());
        Row first = spark.read().parquet(out + "/train").filter("label = 1").first();
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids", "label"), List.of(first.schema().fieldNames()));
        EncodedText expected = tokenizer.encodePair("Save up to 70% on international calls!",
                "You'll save up to 70% on international phone calls.");
        assertArrayEquals(expected.tokenTypeIds(), first.getList(2).stream().mapToInt(v -> (Integer) v).toArray());
        assertTrue(first.getList(2).contains(1), "second segment has token type 1");
        assertTrue(Files.readString(tmp.resolve("pairs/labels.json")).contains("\"different\""));
        try (var listing = Files.list(tmp)) {
            assertEquals(List.of(tmp.resolve("pairs")), listing.toList(), "no temporary folder left behind");
        }
    }

    /**
     * The shipped examples/data/spam sample (1,500 real messages) through the stage at maxLength 128:
     * every row's input_ids must hash to what transformers produced for the same text
     * (text/spam-sample-ids-sha256.json, from scripts/reference/make_tokenizer_expected.py).
     */
    @Test
    void shippedSampleTokenisesExactlyLikeTransformers(@TempDir Path tmp) throws Exception {
        Path sample = Path.of("..", "examples", "data", "spam").toAbsolutePath().normalize();
        Map<String, Dataset<Row>> splits = new LinkedHashMap<>();
        splits.put("train", spark.read().parquet(sample.resolve("train").toString()));
        splits.put("test", spark.read().parquet(sample.resolve("test").toString()));
        String out = tmp.resolve("spam").toString();

        TokenizeTextStage.Result result = new TokenizeTextStage(
                new TextTokenizer(TestResources.miniLmTokenizer(), 128), null).run(spark, splits, out);

        assertEquals(List.of("ham", "spam"), result.labels().labels());
        assertEquals(Map.of("ham", 824L, "spam", 376L), result.splits().get("train").keptByLabel());
        assertEquals(Map.of("ham", 206L, "spam", 94L), result.splits().get("test").keptByLabel());
        JsonNode expected = new ObjectMapper().readTree(TestResources.path("text/spam-sample-ids-sha256.json").toFile())
                .get("sha256_of_input_ids");
        assertEquals(1500, expected.size());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        int compared = 0;
        for (String split : List.of("train", "test")) {
            for (Row r : spark.read().parquet(out + "/" + split).select("id", "input_ids").collectAsList()) {
                String joined = r.getList(1).stream().map(String::valueOf).collect(Collectors.joining(","));
                String digest = HexFormat.of().formatHex(sha.digest(joined.getBytes(StandardCharsets.US_ASCII)));
                assertEquals(expected.get(r.getString(0)).asText(), digest, "input_ids of " + r.getString(0));
                compared++;
            }
        }
        assertEquals(1500, compared);
    }

    @Test
    void existingOutputAndBadSchemasFailBeforeAnyWork(@TempDir Path tmp) throws Exception {
        StructType noLabel = new StructType().add("text", DataTypes.StringType);
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create("Tiny DNS Swap")), noLabel);
        TokenizeTextStage stage = new TokenizeTextStage(tokenizer, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> stage.run(spark, Map.of("train", df), tmp.resolve("o").toString()));
        assertTrue(e.getMessage().contains("split 'train' has no column 'label'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("o")));

        Path existing = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(existing.resolve("keep.txt"), "earlier work");
        StructType ok = new StructType().add("text", DataTypes.StringType).add("label", DataTypes.StringType);
        Dataset<Row> good = spark.createDataFrame(List.of(RowFactory.create("Tiny DNS Swap", "ham")), ok);
        e = assertThrows(IllegalArgumentException.class, () -> stage.run(spark, Map.of("train", good), existing.toString()));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("earlier work", Files.readString(existing.resolve("keep.txt")));
    }
}

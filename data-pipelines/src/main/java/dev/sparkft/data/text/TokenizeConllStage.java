package dev.sparkft.data.text;

import static org.apache.spark.sql.functions.col;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns word-tagged sentences (CoNLL-2003 files, {@link ConllReader}) into the token-classification dataset
 * convention: per split a Parquet folder with {@code input_ids}, {@code attention_mask}, {@code token_type_ids}
 * and {@code labels} (int arrays of the tokenizer's maxLength; a word's tag id on its first sub-token,
 * {@value TextTokenizer#IGNORE_LABEL} elsewhere), plus {@code labels.json} with the tag names and the
 * {@code tokenizer.json} used (what an export of the trained model ships). Tags come from
 * an explicit list or, without one, the sorted distinct tags of all splits. Sentences with a tag outside an
 * explicit list go to {@code <split>/_rejects} with a {@code reason}. Tokenisation runs on the executors; the
 * output is written under a temporary name and renamed at the end, and an existing output is never replaced.
 *
 * <pre>
 * TokenizeConllStage --tokenizer tokenizer.json --maxLength 128 --out DIR train=a.conll,b.conll test=c.conll
 * </pre>
 */
public final class TokenizeConllStage {
    public static final String UNKNOWN_TAG = "unknown tag";

    private static final Logger LOG = LoggerFactory.getLogger(TokenizeConllStage.class);
    private static final StructType SENTENCES = new StructType()
            .add("words", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("tags", DataTypes.createArrayType(DataTypes.StringType, false), false);

    private final TextTokenizer tokenizer;
    private final LabelVocabulary explicitTags;

    /** @param tags the tag list to use (ids = positions); {@code null} to discover the sorted distinct tags */
    public TokenizeConllStage(TextTokenizer tokenizer, LabelVocabulary tags) {
        if (tokenizer == null) {
            throw new IllegalArgumentException("tokenizer is required");
        }
        this.tokenizer = tokenizer;
        this.explicitTags = tags;
    }

    /** Sentences of one split written to its table and to its {@code _rejects}. */
    public record Counts(long kept, long rejected) {
    }

    /** What the stage wrote: the tag list and, per split, its counts. */
    public record Result(LabelVocabulary tags, Map<String, Counts> splits) {
    }

    public Result run(SparkSession spark, Map<String, List<ConllSentence>> splits, String outDir) {
        if (splits.isEmpty()) {
            throw new IllegalArgumentException("no splits to tokenise");
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        AtomicOutput.checkAbsent(outDir, conf);
        LabelVocabulary tags = explicitTags != null ? explicitTags : discoverTags(splits);
        LOG.info("tokenising CoNLL splits {} with {} (maxLength {}), tags {}", splits.keySet(),
                tokenizer.tokenizerJson(), tokenizer.maxLength(), tags.labels());
        Map<String, Counts> counts = new LinkedHashMap<>();
        AtomicOutput.write(outDir, conf, tmp -> {
            for (Map.Entry<String, List<ConllSentence>> split : splits.entrySet()) {
                counts.put(split.getKey(), writeSplit(spark, split.getValue(), tags, new Path(tmp, split.getKey())));
            }
            tags.save(tmp, conf);
            copyTokenizer(tmp, conf);
        });
        return new Result(tags, counts);
    }

    private Counts writeSplit(SparkSession spark, List<ConllSentence> sentences, LabelVocabulary tags, Path dir) {
        List<Row> rows = sentences.stream().map(s -> RowFactory.create(s.words().toArray(), s.tags().toArray()))
                .toList();
        TextTokenizer tok = tokenizer;
        MapPartitionsFunction<Row, Row> tokenise = it -> PartitionIterators.map(it, row -> tokeniseRow(row, tok, tags));
        StructType work = SENTENCES
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("attention_mask", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("token_type_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("labels", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("reason", DataTypes.StringType, true);
        Dataset<Row> encoded = spark.createDataFrame(rows, SENTENCES).mapPartitions(tokenise, Encoders.row(work))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            encoded.filter(col("reason").isNull())
                    .select("input_ids", "attention_mask", "token_type_ids", "labels")
                    .write().mode("errorifexists").parquet(dir.toString());
            encoded.filter(col("reason").isNotNull()).select("words", "tags", "reason")
                    .write().mode("errorifexists").parquet(new Path(dir, TokenizeTextStage.REJECTS_DIR).toString());
            long rejected = encoded.filter(col("reason").isNotNull()).count();
            Counts c = new Counts(sentences.size() - rejected, rejected);
            LOG.info("split {}: kept {} sentences, rejected {} ({})", dir.getName(), c.kept(), c.rejected(), UNKNOWN_TAG);
            return c;
        } finally {
            encoded.unpersist();
        }
    }

    /** Executor side: the sentence's tokens and aligned tag ids, or why it is rejected. */
    private static Row tokeniseRow(Row row, TextTokenizer tokenizer, LabelVocabulary tags) {
        List<String> words = row.getList(0);
        List<String> wordTags = row.getList(1);
        int[] ids = new int[wordTags.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tags.idOf(wordTags.get(i));
            if (ids[i] < 0) {
                return RowFactory.create(words.toArray(), wordTags.toArray(), null, null, null, null,
                        UNKNOWN_TAG + " '" + wordTags.get(i) + "' at word " + i);
            }
        }
        TokenLabels encoded = tokenizer.encodeWords(words, ids);
        EncodedText t = encoded.tokens();
        return RowFactory.create(words.toArray(), wordTags.toArray(), t.inputIds(), t.attentionMask(),
                t.tokenTypeIds(), encoded.labels(), null);
    }

    /** Command line (local mode unless {@code spark.master} is set): see the class comment. */
    public static void main(String[] args) {
        String tokenizerJson = null;
        String out = null;
        int maxLength = 128;
        Map<String, List<ConllSentence>> splits = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tokenizer" -> tokenizerJson = args[++i];
                case "--maxLength" -> maxLength = Integer.parseInt(args[++i]);
                case "--out" -> out = args[++i];
                default -> {
                    String[] split = args[i].split("=", 2);
                    if (split.length != 2) {
                        throw new IllegalArgumentException("argument '" + args[i] + "' is not --tokenizer, --maxLength,"
                                + " --out or SPLIT=FILE[,FILE...]");
                    }
                    List<ConllSentence> sentences = new ArrayList<>();
                    for (String file : split[1].split(",")) {
                        sentences.addAll(ConllReader.read(Paths.get(file)));
                    }
                    splits.put(split[0], sentences);
                }
            }
        }
        if (tokenizerJson == null || out == null || splits.isEmpty()) {
            throw new IllegalArgumentException("usage: TokenizeConllStage --tokenizer tokenizer.json [--maxLength 128]"
                    + " --out DIR SPLIT=FILE[,FILE...] ...");
        }
        SparkSession spark = SparkSession.builder().master(System.getProperty("spark.master", "local[2]"))
                .appName("tokenize-conll").config("spark.ui.enabled", "false").getOrCreate();
        try {
            Result r = new TokenizeConllStage(new TextTokenizer(tokenizerJson, maxLength), null).run(spark, splits, out);
            r.splits().forEach((split, c) -> System.out.printf("%s: %d sentences kept, %d rejected%n", split,
                    c.kept(), c.rejected()));
            System.out.println("tags " + r.tags().labels() + " -> " + out);
        } finally {
            spark.stop();
        }
    }

    private void copyTokenizer(Path dir, Configuration conf) {
        try {
            dir.getFileSystem(conf).copyFromLocalFile(new Path(new File(tokenizer.tokenizerJson()).toURI()),
                    new Path(dir, "tokenizer.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + tokenizer.tokenizerJson() + " into " + dir, e);
        }
    }

    private static LabelVocabulary discoverTags(Map<String, List<ConllSentence>> splits) {
        TreeSet<String> tags = new TreeSet<>();
        splits.values().forEach(sentences -> sentences.forEach(s -> tags.addAll(s.tags())));
        return new LabelVocabulary(new ArrayList<>(tags));
    }
}

package dev.sparkft.data.text;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.data.dataset.PreparedDataset;
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
 * output is written under a temporary name and renamed at the end, and an existing output is never replaced. The
 * folder is a {@link PreparedDataset}; from the command line: {@code sparkft prepare} with {@code format: conll}.
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

    /** What the stage wrote: the tag list, per split its counts, and the dataset's descriptor. */
    public record Result(LabelVocabulary tags, Map<String, Counts> splits, PreparedDataset dataset) {
    }

    public Result run(SparkSession spark, Map<String, List<ConllSentence>> splits, String outDir) {
        return run(spark, splits, outDir, null);
    }

    /** The same, recording {@code fingerprint} (the source and settings; null for none) in the descriptor. */
    public Result run(SparkSession spark, Map<String, List<ConllSentence>> splits, String outDir,
            ObjectNode fingerprint) {
        if (splits.isEmpty()) {
            throw new IllegalArgumentException("no splits to tokenise");
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(outDir);
        AtomicOutput.requireAbsent(out, conf);
        LabelVocabulary tags = explicitTags != null ? explicitTags : discoverTags(splits);
        LOG.info("tokenising CoNLL splits {} with {} (maxLength {}), tags {}", splits.keySet(),
                tokenizer.tokenizerJson(), tokenizer.maxLength(), tags.labels());
        Map<String, Counts> counts = new LinkedHashMap<>();
        PreparedDataset[] written = {null};
        AtomicOutput.writeDirectory(out, conf, tmp -> {
            Map<String, PreparedDataset.Split> described = new LinkedHashMap<>();
            for (Map.Entry<String, List<ConllSentence>> split : splits.entrySet()) {
                Counts c = writeSplit(spark, split.getValue(), tags, new Path(tmp, split.getKey()));
                counts.put(split.getKey(), c);
                described.put(split.getKey(), PreparedDataset.Split.of(split.getKey(), c.kept(), Map.of(),
                        c.rejected() == 0 ? Map.of() : Map.of(UNKNOWN_TAG, c.rejected())));
            }
            tokenizer.copyTo(tmp, conf);
            String first = splits.keySet().iterator().next();
            written[0] = new PreparedDataset(tmp, PreparedDataset.TOKEN_CLASSIFICATION,
                    PreparedDataset.columnsOf(spark.read().parquet(new Path(tmp, first).toString()).schema()), described,
                    tags.labels(), PreparedDataset.TOKENIZER_FILE, fingerprint);
            written[0].write(conf);
        });
        return new Result(tags, counts, written[0].at(out));
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

    private static LabelVocabulary discoverTags(Map<String, List<ConllSentence>> splits) {
        TreeSet<String> tags = new TreeSet<>();
        splits.values().forEach(sentences -> sentences.forEach(s -> tags.addAll(s.tags())));
        return new LabelVocabulary(new ArrayList<>(tags));
    }
}

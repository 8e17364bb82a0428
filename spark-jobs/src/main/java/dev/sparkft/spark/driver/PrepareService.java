package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.data.dataset.SourceFingerprint;
import dev.sparkft.data.image.IdxSource;
import dev.sparkft.data.image.ImageDatasetPrep;
import dev.sparkft.data.image.ImageFolderConfig;
import dev.sparkft.data.image.ImageFolderPrep;
import dev.sparkft.data.image.ImagePrepConfig;
import dev.sparkft.data.text.ConllReader;
import dev.sparkft.data.text.ConllSentence;
import dev.sparkft.data.text.LabelVocabulary;
import dev.sparkft.data.text.PrepareSotu;
import dev.sparkft.data.text.PrepareSpamAssassin;
import dev.sparkft.data.text.TextTokenizer;
import dev.sparkft.data.text.TokenizeConllStage;
import dev.sparkft.spark.config.PrepareConfig;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.TextData;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a {@link PrepareConfig}: what {@code sparkft prepare} calls. Before Spark starts it checks the inputs (a
 * missing or unreadable one is named), computes the fingerprint (settings plus the inputs' names, sizes and
 * times) and looks at the output: nothing there, the same dataset already (a no-op), or anything else (refused:
 * no silent overwrite). Then the format's preparation writes the {@link PreparedDataset} atomically and its
 * counts and rejects are printed. The session already active in this JVM is used and left running; otherwise one
 * is started from {@code run.master} and stopped at the end.
 */
public final class PrepareService {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Names the pixel pipeline in image fingerprints, so that a changed one is not taken for the same data. */
    private static final String RESIZE = "imageio, bilinear-antialias cover + centre crop, v1";

    /** The dataset in the output folder and whether it was there already (nothing was done). */
    public record Outcome(PreparedDataset dataset, boolean reused) {
    }

    private PrepareService() {
    }

    @SuppressWarnings("try") // the lock is held for the block's duration, never read
    public static Outcome prepare(PrepareConfig config, PrintStream console) {
        if (config.source() instanceof TrainConfig train) {
            // the folder is the run's: not while a train of the same run writes next to it
            try (RunLock lock = RunLock.acquire(java.nio.file.Path.of(train.run().outputDir()), train.run().name())) {
                return prepareChecked(config, console);
            }
        }
        return prepareChecked(config, console);
    }

    private static Outcome prepareChecked(PrepareConfig config, PrintStream console) {
        Configuration checks = activeSession().map(s -> s.sparkContext().hadoopConfiguration())
                .orElseGet(Configuration::new);
        Path out = new Path(config.output());
        ObjectNode fingerprint = fingerprint(config, checks);
        Optional<PreparedDataset> existing = PreparedDataset.existing(out, fingerprint, checks);
        if (existing.isPresent()) {
            console.printf("sparkft: %s already holds this dataset (same inputs and settings): nothing to do%n", out);
            existing.get().summary().forEach(line -> console.println("sparkft: " + line));
            return new Outcome(existing.get(), true);
        }
        Map<String, List<ConllSentence>> sentences = config.source() instanceof PrepareConfig.Conll c
                ? readConll(c) : null;  // parsed before Spark: a malformed line is named with its file and number
        Optional<SparkSession> active = activeSession();
        SparkSession spark = active.orElseGet(() -> SparkSessions.builder(config.run()).getOrCreate());
        try {
            PreparedDataset d = run(spark, config, fingerprint, sentences, console);
            console.printf("sparkft: prepared %s data into %s (%s)%n", config.format(), d.location(),
                    PreparedDataset.FILE);
            if (config.format().equals("text")) {
                return new Outcome(d, false);  // TextDataPreparation printed the counts, as train does
            }
            d.summary().forEach(line -> console.println("sparkft: " + line));
            return new Outcome(d, false);
        } finally {
            if (active.isEmpty()) {
                spark.stop();
            }
        }
    }

    private static PreparedDataset run(SparkSession spark, PrepareConfig config, ObjectNode fingerprint,
            Map<String, List<ConllSentence>> sentences, PrintStream console) {
        Object source = config.source();
        if (source instanceof TrainConfig train) {
            return TextDataPreparation.prepareDataset(spark, train, console);
        }
        if (source instanceof PrepareConfig.Conll c) {
            try {
                java.nio.file.Path tokenizer = TextDataPreparation.localTokenizer(c.tokenizer());
                try {
                    return new TokenizeConllStage(new TextTokenizer(tokenizer.toString(), c.maxLength()),
                            c.labels().isEmpty() ? null : new LabelVocabulary(c.labels()))
                            .run(spark, sentences, config.output(), fingerprint).dataset();
                } finally {
                    if (c.tokenizer().equals(TextData.BUNDLED_MINILM)) {
                        Files.deleteIfExists(tokenizer);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare " + config.output() + ": " + e.getMessage(), e);
            }
        }
        if (source instanceof ImagePrepConfig image) {
            return ImageDatasetPrep.run(spark, image, fingerprint).dataset();
        }
        if (source instanceof ImageFolderConfig folder) {
            return ImageFolderPrep.run(spark, folder, fingerprint).dataset();
        }
        if (source instanceof PrepareSpamAssassin.Options spam) {
            return PrepareSpamAssassin.run(spark, spam, fingerprint);
        }
        return PrepareSotu.run(spark, (PrepareSotu.Options) source, fingerprint);
    }

    /** The format's settings and its inputs' listing; a missing input fails here, named by its key. */
    static ObjectNode fingerprint(PrepareConfig config, Configuration conf) {
        Object source = config.source();
        if (source instanceof TrainConfig train) {
            return TextDataPreparation.fingerprint(train, conf);
        }
        ObjectNode f = JSON.createObjectNode().put("format", config.format());
        if (source instanceof PrepareConfig.Conll c) {
            if (c.tokenizer() == null) {
                throw new IllegalArgumentException("missing required key 'prepare.tokenizer' (a tokenizer.json or "
                        + TextData.BUNDLED_MINILM + ")");
            }
            ObjectNode splits = f.putObject("splits");
            c.splits().forEach((split, files) -> {
                ArrayNode a = splits.putArray(split);
                for (String file : files) {
                    SourceFingerprint.listing(local(file), conf, "prepare.splits." + split)
                            .forEach(entry -> a.add(file + ": " + entry.asText()));
                }
            });
            f.put("tokenizer", c.tokenizer()).put("tokenizerSha256", c.tokenizer().equals(TextData.BUNDLED_MINILM)
                    ? TextDataPreparation.bundledSha256()
                    : SourceFingerprint.sha256(local(c.tokenizer()), conf, "prepare.tokenizer"));
            f.put("maxLength", c.maxLength());
            c.labels().forEach(f.putArray("labels")::add);
        } else if (source instanceof ImagePrepConfig image) {
            f.set("train", idx(image.train(), conf, "prepare.train"));
            if (image.test() != null) {
                f.set("test", idx(image.test(), conf, "prepare.test"));
            }
            f.put("numClasses", image.numClasses()).put("validationFraction", image.validationFraction())
                    .put("seed", image.seed()).put("partitions", image.partitions());
            image.labelNames().forEach(f.putArray("labels")::add);
            if (image.imageSize() != null) {  // absent from older fingerprints: they stay equal
                image.imageSize().toList().forEach(f.putArray("imageSize")::add);
                f.put("resize", RESIZE);
            }
        } else if (source instanceof ImageFolderConfig folder) {
            f.put("input", folder.input()).set("inputFiles", SourceFingerprint.digest(
                    SourceFingerprint.listing(new Path(folder.input()), conf, "prepare.input")));
            folder.classes().forEach(f.putArray("classes")::add);
            folder.imageSize().toList().forEach(f.putArray("imageSize")::add);
            f.put("resize", RESIZE).put("validationFraction", folder.validationFraction())
                    .put("testFraction", folder.testFraction()).put("limit", folder.limit()).put("seed", folder.seed())
                    .put("partitions", folder.partitions());
        } else if (source instanceof PrepareSpamAssassin.Options spam) {
            f.put("input", spam.data()).set("inputFiles", SourceFingerprint.digest(
                    SourceFingerprint.listing(new Path(spam.data()), conf, "prepare.input")));
            f.set("splits", JSON.valueToTree(spam.splits()));
            f.put("seed", spam.seed()).put("maxChars", spam.maxChars());
        } else {
            PrepareSotu.Options sotu = (PrepareSotu.Options) source;
            f.put("input", sotu.data()).set("inputFiles", SourceFingerprint.digest(
                    SourceFingerprint.listing(new Path(sotu.data()), conf, "prepare.input")));
            f.put("label", sotu.label());
            sotu.parties().forEach(f.putArray("parties")::add);
            f.set("splits", JSON.valueToTree(sotu.splits()));
            f.put("seed", sotu.seed());
        }
        return f;
    }

    private static ObjectNode idx(IdxSource s, Configuration conf, String key) {
        ObjectNode n = JSON.createObjectNode();
        n.put("images", s.images().toString()).set("imagesFile",
                SourceFingerprint.listing(local(s.images().toString()), conf, key + ".images"));
        n.put("labels", s.labels().toString()).set("labelsFile",
                SourceFingerprint.listing(local(s.labels().toString()), conf, key + ".labels"));
        n.put("limit", s.limit());
        return n;
    }

    /** CoNLL and IDX files are read by the driver from its local disk. */
    private static Path local(String file) {
        return new Path(java.nio.file.Path.of(file).toAbsolutePath().toUri());
    }

    private static Map<String, List<ConllSentence>> readConll(PrepareConfig.Conll c) {
        Map<String, List<ConllSentence>> out = new LinkedHashMap<>();
        c.splits().forEach((split, files) -> {
            List<ConllSentence> sentences = new ArrayList<>();
            files.forEach(f -> sentences.addAll(ConllReader.read(java.nio.file.Path.of(f))));
            if (sentences.isEmpty()) {
                throw new IllegalArgumentException("prepare.splits." + split + ": " + files + " hold no sentence");
            }
            out.put(split, sentences);
        });
        return out;
    }

    private static Optional<SparkSession> activeSession() {
        if (SparkSession.getActiveSession().isDefined()) {
            return Optional.of(SparkSession.getActiveSession().get());
        }
        return SparkSession.getDefaultSession().isDefined() ? Optional.of(SparkSession.getDefaultSession().get())
                : Optional.empty();
    }
}

package dev.sparkft.spark.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.data.image.IdxSource;
import dev.sparkft.data.image.ImageFolderConfig;
import dev.sparkft.data.image.ImageShape;
import dev.sparkft.data.image.ImagePrepConfig;
import dev.sparkft.data.text.PrepareSotu;
import dev.sparkft.data.text.PrepareSpamAssassin;
import dev.sparkft.data.text.SpamAssassinReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sparkft prepare} config: what to prepare, from where, into where. Read from the same YAML/JSON file
 * and {@code --set} overrides as {@code train}; unknown keys are named. Formats ({@code prepare.format}):
 * <ul>
 * <li>{@code text}: the run config's {@code data.text} over {@code data.train} / {@code data.validation}, into
 *     {@code <run.outputDir>/data}, exactly what {@code train} prepares first (so {@code train} reuses it). The
 *     default when the config has {@code data.text}; the whole file is then a training config.</li>
 * <li>{@code conll}: {@code splits} (split name to a list of CoNLL-2003 files), {@code tokenizer},
 *     {@code maxLength}, optional {@code labels} (the tag list; sentences with another tag are rejected).</li>
 * <li>{@code idx}: {@code train} and optional {@code test} ({@code images}, {@code labels}, {@code limit}),
 *     {@code validationFraction}, {@code numClasses}, optional {@code labels} (class names), {@code partitions},
 *     optional {@code imageSize} ({@code [C, H, W]}: a uint8 {@code pixels} column in place of {@code features}).</li>
 * <li>{@code imagefolder}: {@code input} (one sub-folder per class of JPEG/PNG files, any Hadoop URI),
 *     {@code imageSize} ({@code [C, H, W]}), optional {@code classes}, {@code validationFraction},
 *     {@code testFraction}, {@code limit}, {@code partitions}.</li>
 * <li>{@code spamassassin}: {@code input} (the corpus' {@code data/} folder), {@code splits} (name to fraction),
 *     {@code maxChars}.</li>
 * <li>{@code sotu}: {@code input}, {@code label} ({@code party} or {@code century}), {@code parties},
 *     {@code splits} (name to fraction).</li>
 * </ul>
 * Every format but {@code text} needs {@code prepare.output}; {@code seed} (default 42) applies to the splits.
 * {@code run.name} and {@code run.master} choose the Spark application as for {@code train}.
 *
 * @param run    the Spark application (a text config's own run section)
 * @param format one of {@link #FORMATS}
 * @param output the dataset folder to write
 * @param source the format's typed settings: a {@link TrainConfig}, {@link Conll}, {@link ImagePrepConfig},
 *               {@link ImageFolderConfig}, {@link PrepareSpamAssassin.Options} or {@link PrepareSotu.Options}
 */
public record PrepareConfig(TrainConfig.Run run, String format, String output, Object source) {
    public static final String SECTION = "prepare";
    public static final List<String> FORMATS = List.of("text", "conll", "idx", "imagefolder", "spamassassin",
            "sotu");
    /** The sections of a training config, allowed next to {@code prepare} (then checked as a training config). */
    private static final Set<String> TRAIN_SECTIONS = Set.of("data", "model", "training", "optimizer", "clipping",
            "checkpoint", "onNonFinite", "nonFiniteSkips", "logging", "evaluation", "export");

    /** CoNLL settings: split name to its files, in order; {@code labels} empty to take the sorted tags found. */
    public record Conll(Map<String, List<String>> splits, String tokenizer, int maxLength, List<String> labels) {
        public Conll {
            splits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splits));
            labels = List.copyOf(labels);
        }
    }

    public static PrepareConfig load(String file, List<String> overrides) {
        ObjectNode tree = ConfigLoader.tree(file, overrides);
        try {
            return fromTree(tree);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static PrepareConfig fromTree(ObjectNode tree) {
        ConfigNode root = ConfigNode.root(tree);
        ConfigNode p = root.section(SECTION);
        boolean hasText = tree.path("data").isObject() && tree.path("data").hasNonNull("text");
        String format = p.has("format") ? p.string("format", null) : hasText ? "text" : null;
        if (format == null) {
            throw new IllegalArgumentException("nothing to prepare: set prepare.format (one of " + FORMATS
                    + ") or give a training config with data.text");
        }
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("key 'prepare.format' must be one of " + FORMATS + ", got '" + format + "'");
        }
        if (format.equals("text")) {
            if (!hasText) {
                throw new IllegalArgumentException("prepare.format text needs data.text (and data.train) in the config");
            }
            p.rejectUnknown();
            TrainConfig train = ConfigLoader.fromTree(tree);
            return new PrepareConfig(train.run(), format, new org.apache.hadoop.fs.Path(train.run().outputDir(), "data")
                    .toString(), train);
        }
        String output = p.string("output", null);
        long seed = p.longValue("seed", 42L);
        Object source = switch (format) {
            case "conll" -> new Conll(fileLists(p, "splits"), p.string("tokenizer", null),
                    p.integer("maxLength", 128), p.stringList("labels"));
            case "idx" -> new ImagePrepConfig(idx(p.section("train"), true), idx(p.section("test"), false), output,
                    p.integer("numClasses", 10), p.number("validationFraction", 0.1), seed, p.integer("partitions", 4),
                    p.stringList("labels"), p.has("imageSize") ? imageSize(p) : null);
            case "imagefolder" -> new ImageFolderConfig(p.string("input", null), output, p.stringList("classes"),
                    imageSize(p), p.number("validationFraction", 0.1), p.number("testFraction", 0.0),
                    p.integer("limit", 0), seed, p.integer("partitions", 4));
            case "spamassassin" -> new PrepareSpamAssassin.Options(p.string("input", null), output,
                    fractions(p, "splits", Map.of("train", 0.8, "validation", 0.1, "test", 0.1)), seed,
                    p.integer("maxChars", SpamAssassinReader.DEFAULT_MAX_CHARS));
            default -> new PrepareSotu.Options(p.string("input", null), output, p.string("label", "party"),
                    p.has("parties") ? p.stringList("parties") : List.of("Democratic", "Republican"),
                    fractions(p, "splits", Map.of("train", 0.8, "validation", 0.2)), seed);
        };
        p.rejectUnknown();
        ConfigNode r = root.section("run");
        String name = r.string("name", "sparkft-prepare");
        TrainConfig.Run run = new TrainConfig.Run(name, r.string("master", "local[2]"), r.longValue("seed", 42L),
                r.string("outputDir", "runs/" + name));
        r.rejectUnknown();
        boolean trainSections = false;
        for (java.util.Iterator<String> it = tree.fieldNames(); it.hasNext();) {
            String key = it.next();
            trainSections |= TRAIN_SECTIONS.contains(key);
        }
        if (trainSections) {
            ConfigLoader.fromTree(tree);  // one file for prepare and train: the rest must be a valid training config
        } else {
            root.rejectUnknown();
        }
        return new PrepareConfig(run, format, output, source);
    }

    private static ImageShape imageSize(ConfigNode p) {
        if (!p.has("imageSize")) {
            throw new IllegalArgumentException("missing required key 'prepare.imageSize' ([channels, height, width] of"
                    + " the prepared images, e.g. [3, 64, 64]; channels 3 = RGB, 1 = grayscale)");
        }
        return ImageShape.parse(p.stringList("imageSize"), "prepare.imageSize");
    }

    private static IdxSource idx(ConfigNode s, boolean required) {
        if (!required && !s.has("images") && !s.has("labels")) {
            s.integer("limit", 0);
            s.rejectUnknown();
            return null;
        }
        IdxSource source = new IdxSource(Path.of(s.string("images", null)), Path.of(s.string("labels", null)),
                s.integer("limit", 0));
        s.rejectUnknown();
        return source;
    }

    /** {@code key: {split: [file, ...]}} (a single file may be given as a string), in order. */
    private static Map<String, List<String>> fileLists(ConfigNode p, String key) {
        Map<String, Object> raw = p.plainMap(key);
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("missing required key 'prepare." + key + "' (split name to CoNLL files,"
                    + " e.g. {train: [a.conll], validation: [b.conll]})");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        raw.forEach((split, v) -> {
            List<String> files = new ArrayList<>();
            if (v instanceof String f) {
                files.add(f);
            } else if (v instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(String.class::isInstance)) {
                l.forEach(f -> files.add((String) f));
            } else {
                throw new IllegalArgumentException("key 'prepare." + key + "." + split + "' must be a file or a list of"
                        + " files, got " + v);
            }
            out.put(split, files);
        });
        return out;
    }

    /** {@code key: {split: fraction}}, in order; {@code dflt} when absent. */
    private static Map<String, Double> fractions(ConfigNode p, String key, Map<String, Double> dflt) {
        Map<String, Object> raw = p.plainMap(key);
        if (raw.isEmpty()) {
            Map<String, Double> ordered = new LinkedHashMap<>();
            for (String s : List.of("train", "validation", "test")) {
                if (dflt.containsKey(s)) {
                    ordered.put(s, dflt.get(s));
                }
            }
            return ordered;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        raw.forEach((split, v) -> {
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException("key 'prepare." + key + "." + split + "' must be a fraction in (0, 1],"
                        + " got " + v);
            }
            out.put(split, n.doubleValue());
        });
        return out;
    }
}

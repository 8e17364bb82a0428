package dev.sparkft.spark.config;

import dev.sparkft.model.ModelSpec;
import dev.sparkft.optim.OptimizerConfig;
import dev.sparkft.spark.executor.DeltaCompression;
import dev.sparkft.spark.executor.WirePrecision;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One training run, as read from a YAML/JSON file plus overrides by {@link ConfigLoader}. Every section is
 * an immutable record validated in its constructor; checks that span sections run here, before Spark starts.
 */
public record TrainConfig(
        Run run,
        Data data,
        ModelSpec model,
        Training training,
        OptimizerConfig optimizer,
        Clipping clipping,
        Checkpointing checkpoint,
        NonFinitePolicy onNonFinite,
        SkipLimits nonFiniteSkips,
        Logging logging,
        Evaluation evaluation,
        Export export,
        EvaluateSettings evaluate,
        PredictSettings predict) implements Serializable {

    public TrainConfig {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(clipping, "clipping");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(onNonFinite, "onNonFinite");
        Objects.requireNonNull(nonFiniteSkips, "nonFiniteSkips");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(evaluation, "evaluation");
        Objects.requireNonNull(export, "export");
        Objects.requireNonNull(evaluate, "evaluate");
        Objects.requireNonNull(predict, "predict");
        if (training.mode() == Mode.AVERAGING) {
            int k = training.averaging().localSteps();
            // A checkpoint must fall on a round boundary, or resuming would split a round of K local steps.
            if (checkpoint.everySteps() % k != 0) {
                throw new IllegalArgumentException("checkpoint.everySteps (" + checkpoint.everySteps()
                        + ") must be a multiple of training.averaging.localSteps (" + k + ")");
            }
        }
    }

    /** How executors' work is combined each round. */
    public enum Mode {
        /** Every step: gradients of the global batch summed over partitions, one driver optimizer step. */
        SYNC("sync"),
        /** Every K steps: partitions take K local steps; their weighted mean delta feeds an outer optimizer. */
        AVERAGING("averaging");

        private final String key;

        Mode(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Mode parse(String value, String path) {
            return byKey(values(), Mode::key, value, path);
        }
    }

    /** This run over other data tables (the tokenised ones, after text preparation). */
    public TrainConfig withData(Data newData) {
        return new TrainConfig(run, newData, model, training, optimizer, clipping, checkpoint, onNonFinite,
                nonFiniteSkips, logging, evaluation, export, evaluate, predict);
    }

    /** What to do with a step whose loss or gradient is NaN or infinite. */
    public enum NonFinitePolicy {
        FAIL("fail"), SKIP("skip");

        private final String key;

        NonFinitePolicy(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static NonFinitePolicy parse(String value, String path) {
            return byKey(values(), NonFinitePolicy::key, value, path);
        }
    }

    /** Run identity and where Spark runs. {@code seed} drives the data order (and nothing else). */
    public record Run(String name, String master, long seed, String outputDir) implements Serializable {
        public Run {
            require(name != null && !name.isBlank(), "run.name must not be empty");
            require(master != null && !master.isBlank(), "run.master must not be empty");
            require(outputDir != null && !outputDir.isBlank(), "run.outputDir must not be empty");
        }
    }

    /**
     * Parquet datasets following the dataset convention (docs/design.md); {@code validation} may be null.
     * With {@code text} set they are raw text instead, tokenised before training; otherwise {@code text} is null.
     */
    public record Data(String train, String validation, int partitions, TextData text, Augment augment)
            implements Serializable {
        public Data {
            require(train != null && !train.isBlank(), "data.train (a Parquet path) is required");
            require(partitions >= 1, "data.partitions must be >= 1, got " + partitions);
        }

        public Data(String train, String validation, int partitions, TextData text) {
            this(train, validation, partitions, text, null);
        }

        /** The same partitioning, text and augmentation settings over other (tokenised) tables. */
        public Data withTables(String newTrain, String newValidation) {
            return new Data(newTrain, newValidation, partitions, text, augment);
        }
    }

    /**
     * Training-time image augmentation ({@code data.augment}) of the binary uint8 image column {@code column}
     * (its {@code [C, H, W]} read from the training data's {@code dataset.json}): a random resized crop (area
     * fraction in {@code scale}, aspect ratio in {@code ratio}) when {@code crop}, and a horizontal flip with
     * probability {@code flip}, drawn from (seed, epoch, example index) so the partition count does not matter.
     * Validation and evaluation data are never augmented.
     */
    public record Augment(String column, boolean crop, double minScale, double maxScale, double minRatio,
            double maxRatio, double flip, long seed) implements Serializable {
        public Augment {
            require(column != null && !column.isBlank(), "data.augment.column must name the image column");
            try {
                augmentation(seed, crop, minScale, maxScale, minRatio, maxRatio, flip);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("data.augment: " + e.getMessage(), e);
            }
        }

        public dev.sparkft.data.image.ImageAugmentation augmentation() {
            return augmentation(seed, crop, minScale, maxScale, minRatio, maxRatio, flip);
        }

        private static dev.sparkft.data.image.ImageAugmentation augmentation(long seed, boolean crop, double minScale,
                double maxScale, double minRatio, double maxRatio, double flip) {
            return new dev.sparkft.data.image.ImageAugmentation(seed, crop, minScale, maxScale, minRatio, maxRatio, flip);
        }
    }

    /**
     * Raw text columns to tokenise ({@code data.text}): a {@code tokenizer} ({@code bundled:all-minilm-l6-v2}
     * or the path of a tokenizer.json), padding/truncation to {@code maxLength} tokens; with
     * {@code windowStride} a longer text becomes overlapping windows of maxLength that repeat that many tokens,
     * each trained with the text's label, and evaluation judges each document by its windows together.
     */
    public record TextData(String textColumn, String labelColumn, int maxLength, String tokenizer, Integer windowStride)
            implements Serializable {
        public static final String BUNDLED_MINILM = "bundled:all-minilm-l6-v2";

        public TextData {
            require(textColumn != null && !textColumn.isBlank(), "data.text.textColumn must not be empty");
            require(labelColumn != null && !labelColumn.isBlank(), "data.text.labelColumn must not be empty");
            require(!textColumn.equals(labelColumn), "data.text.textColumn and labelColumn must differ, both are '"
                    + textColumn + "'");
            require(maxLength >= 4, "data.text.maxLength must be >= 4, got " + maxLength);
            require(tokenizer != null && !tokenizer.isBlank(), "data.text.tokenizer is required ('"
                    + BUNDLED_MINILM + "' or the path of a tokenizer.json)");
            require(!tokenizer.startsWith("bundled:") || tokenizer.equals(BUNDLED_MINILM),
                    "data.text.tokenizer '" + tokenizer + "': the only bundled tokenizer is " + BUNDLED_MINILM);
            require(windowStride == null || (windowStride >= 0 && windowStride < maxLength - 2),
                    "data.text.windowStride must be in [0, " + (maxLength - 3) + "] (tokens a window repeats from"
                            + " the one before, below maxLength - 2), got " + windowStride);
        }

        /** Whether long texts become overlapping windows (evaluated per document) rather than being truncated. */
        public boolean windows() {
            return windowStride != null;
        }
    }

    /** A Hugging Face (or other engine-defined) export of the trained model into {@code dir}; {@code dir} null: none. */
    public record Export(String dir) implements Serializable {
        public Export {
            require(dir == null || !dir.isBlank(), "export.dir must not be empty");
        }

        public boolean enabled() {
            return dir != null;
        }
    }

    /**
     * The {@code evaluate} job's section: which model ({@code model}: {@code checkpoint}, the newest complete one in
     * checkpoint.dir, or an exported model folder), on which labelled table ({@code data}; null: data.validation),
     * writing report.txt and metrics.jsonl into {@code outputDir}.
     */
    public record EvaluateSettings(String model, String data, String outputDir) implements Serializable {
        public static final String CHECKPOINT = "checkpoint";

        public EvaluateSettings {
            require(model != null && !model.isBlank(), "evaluate.model must be 'checkpoint' or a model folder");
            require(data == null || !data.isBlank(), "evaluate.data must not be empty");
            require(outputDir != null && !outputDir.isBlank(), "evaluate.outputDir must not be empty");
        }
    }

    /**
     * The {@code predict} job's section: {@code input} (null until a predict run sets it) read as {@code format}
     * ({@code parquet}, or {@code text}: one document per file), raw text in {@code textColumn} (null: the table
     * holds the model's input columns), {@code keyColumns} copied to the output (empty: every scalar input column
     * but the text), {@code output} written as Parquet, {@code batchSize} rows per forward pass, {@code model} as in
     * {@link EvaluateSettings}.
     */
    public record PredictSettings(String input, String format, String textColumn, List<String> keyColumns, String output,
            int batchSize, String model) implements Serializable {
        public static final List<String> FORMATS = List.of("parquet", "text", "images");

        public PredictSettings {
            require(input == null || !input.isBlank(), "predict.input must not be empty");
            require(FORMATS.contains(format), "key 'predict.format' must be one of " + FORMATS + ", got '" + format + "'");
            require(textColumn == null || !textColumn.isBlank(), "predict.textColumn must not be empty");
            keyColumns = List.copyOf(keyColumns);
            require(output == null || !output.isBlank(), "predict.output must not be empty");
            require(batchSize >= 1, "predict.batchSize must be >= 1, got " + batchSize);
            require(model != null && !model.isBlank(), "predict.model must be 'checkpoint' or a model folder");
        }
    }

    /**
     * The optimisation schedule: {@code globalBatch} examples per step whatever the partition count,
     * at most {@code microBatch} per forward/backward on an executor; {@code steps} or {@code epochs}
     * (exactly one of them positive).
     */
    public record Training(Mode mode, int globalBatch, int microBatch, long steps, int epochs, Averaging averaging,
            Communication communication) implements Serializable {
        public Training {
            Objects.requireNonNull(mode, "training.mode");
            Objects.requireNonNull(averaging, "training.averaging");
            Objects.requireNonNull(communication, "training.communication");
            require(globalBatch >= 1, "training.globalBatch must be >= 1, got " + globalBatch);
            require(microBatch >= 1, "training.microBatch must be >= 1, got " + microBatch);
            require(microBatch <= globalBatch, "training.microBatch (" + microBatch
                    + ") must be <= training.globalBatch (" + globalBatch + ")");
            require(steps >= 0 && epochs >= 0, "training.steps and training.epochs must be >= 0");
            require((steps > 0) != (epochs > 0),
                    "set exactly one of training.steps or training.epochs (got steps=" + steps + ", epochs=" + epochs + ")");
        }
    }

    /**
     * Parameter averaging: each round, every partition takes {@code localSteps} inner-optimizer steps on its
     * share of the global batches; the driver applies {@code outer} to minus the weighted mean delta
     * (sgd with learningRate 1 is plain averaging; nesterov with momentum 0.9 and learningRate 0.7 is DiLoCo's).
     */
    public record Averaging(int localSteps, OptimizerConfig outer) implements Serializable {
        private static final List<String> OUTER_TYPES = List.of("sgd", "momentum", "nesterov");

        public Averaging {
            require(localSteps >= 1, "training.averaging.localSteps must be >= 1, got " + localSteps);
            Objects.requireNonNull(outer, "training.averaging.outer");
            require(OUTER_TYPES.contains(outer.type()), "training.averaging.outer.type must be one of "
                    + OUTER_TYPES + ", got '" + outer.type() + "'");
        }
    }

    /**
     * How a round's vectors travel on a cluster: {@code precision} fp32, or bf16 (half the bytes; the driver keeps
     * fp32 master weights and sums in fp32); {@code compression} of each partition's vector with error feedback
     * (int8 blocks or top-k, {@link DeltaCompression}; off by default); and {@code chunkBytes}, the most bytes of one broadcast block, shuffle
     * record or task result, below the 2 GB limits of Java arrays and Spark blocks and the 1 GB Kryo buffer of
     * cluster-config/spark-defaults.conf. The chunk size never changes the result.
     */
    public record Communication(WirePrecision precision, long chunkBytes, DeltaCompression compression)
            implements Serializable {
        public static final long DEFAULT_CHUNK_BYTES = 128L << 20;
        public static final long MAX_CHUNK_BYTES = 512L << 20;

        /** Uncompressed. */
        public Communication(WirePrecision precision, long chunkBytes) {
            this(precision, chunkBytes, DeltaCompression.NONE);
        }

        public Communication {
            Objects.requireNonNull(precision, "training.communication.precision");
            Objects.requireNonNull(compression, "training.communication.compression");
            require(chunkBytes >= 16 && chunkBytes <= MAX_CHUNK_BYTES, "training.communication.chunkBytes must be in"
                    + " [16, " + MAX_CHUNK_BYTES + "] (default " + DEFAULT_CHUNK_BYTES + "), got " + chunkBytes);
        }

        /** Values per chunk at this precision. */
        public int chunkValues() {
            return (int) (chunkBytes / precision.bytes());
        }
    }

    /** Global-norm gradient clipping on the driver; 0 turns it off. */
    public record Clipping(double maxGradNorm) implements Serializable {
        public Clipping {
            require(maxGradNorm >= 0 && Double.isFinite(maxGradNorm),
                    "clipping.maxGradNorm must be >= 0 (0 = off), got " + maxGradNorm);
        }
    }

    /**
     * Checkpoints under {@code dir} (any Hadoop FS URI) every {@code everySteps} steps and every
     * {@code everyEpochs} epochs (0 turns either off), always before the end-of-run evaluation and export,
     * and when the run is asked to stop (SIGTERM). Only the newest {@code keepLast} are kept.
     */
    public record Checkpointing(String dir, long everySteps, int everyEpochs, int keepLast) implements Serializable {
        public Checkpointing {
            require(dir != null && !dir.isBlank(), "checkpoint.dir must not be empty");
            require(everySteps >= 0, "checkpoint.everySteps must be >= 0 (0 = off), got " + everySteps);
            require(everyEpochs >= 0, "checkpoint.everyEpochs must be >= 0 (0 = off), got " + everyEpochs);
            require(keepLast >= 1, "checkpoint.keepLast must be >= 1, got " + keepLast);
        }
    }

    /**
     * How many non-finite rounds {@code onNonFinite: skip} tolerates before the run stops: {@code maxConsecutive}
     * in a row (a diverged run skips every step) or {@code maxTotal} in one run (from its start or resume). A
     * round is one step in synchronous mode, K local steps when averaging.
     */
    public record SkipLimits(int maxConsecutive, long maxTotal) implements Serializable {
        public SkipLimits {
            require(maxConsecutive >= 1, "nonFiniteSkips.maxConsecutive must be >= 1, got " + maxConsecutive);
            require(maxTotal >= 1, "nonFiniteSkips.maxTotal must be >= 1, got " + maxTotal);
        }
    }

    /**
     * Console line every {@code everySteps}; one JSON line per round into {@code metricsFile}; the same figures as
     * TensorBoard events into {@code tensorboardDir} (a folder on any Hadoop file system); MFU against
     * {@code peakFlops} FLOP/s of all executors together (0: estimated from the driver's CPU, driver.PeakFlops).
     */
    public record Logging(long everySteps, String metricsFile, String tensorboardDir, double peakFlops)
            implements Serializable {
        public Logging {
            require(everySteps >= 1, "logging.everySteps must be >= 1, got " + everySteps);
            require(metricsFile != null && !metricsFile.isBlank(), "logging.metricsFile must not be empty");
            require(tensorboardDir != null && !tensorboardDir.isBlank(), "logging.tensorboardDir must not be empty");
            require(peakFlops >= 0 && Double.isFinite(peakFlops), "logging.peakFlops must be a FLOP/s figure >= 0"
                    + " (0: estimate from the CPU), got " + peakFlops);
        }
    }

    /** The validation metric that early stopping watches. */
    public enum Metric {
        ACCURACY("accuracy", true), MACRO_F1("macroF1", true), LOSS("loss", false);

        private final String key;
        private final boolean higherIsBetter;

        Metric(String key, boolean higherIsBetter) {
            this.key = key;
            this.higherIsBetter = higherIsBetter;
        }

        public String key() {
            return key;
        }

        /** True when {@code candidate} beats {@code best} (strictly: ties do not reset the patience). */
        public boolean improves(double candidate, double best) {
            return Double.isNaN(best) || (higherIsBetter ? candidate > best : candidate < best);
        }

        public static Metric parse(String value, String path) {
            return byKey(values(), Metric::key, value, path);
        }
    }

    /**
     * Classification evaluation on {@code data.validation} every {@code everyEpochs} epochs (0 = only at the
     * end of the run) and at the end; early stopping after {@code patience} evaluations without improvement
     * of {@code metric} (0 = off). {@code labels}: class names in id order, or empty to take them from a
     * {@code labels.json} next to the training data, else "0".."k-1".
     */
    public record Evaluation(int everyEpochs, Metric metric, int patience, List<String> labels) implements Serializable {
        public Evaluation {
            require(everyEpochs >= 0, "evaluation.everyEpochs must be >= 0 (0 = only at the end), got " + everyEpochs);
            Objects.requireNonNull(metric, "evaluation.metric");
            require(patience >= 0, "evaluation.patience must be >= 0 (0 = no early stopping), got " + patience);
            require(patience == 0 || everyEpochs > 0,
                    "evaluation.patience needs evaluation.everyEpochs >= 1 (early stopping compares evaluations)");
            labels = List.copyOf(labels);
            require(labels.stream().noneMatch(String::isBlank), "evaluation.labels must not contain empty names");
            require(labels.stream().distinct().count() == labels.size(), "evaluation.labels has duplicate names: " + labels);
        }
    }

    /** The constant whose config key is {@code value}; fails naming the key path and the allowed values. */
    private static <E> E byKey(E[] values, Function<E, String> key, String value, String path) {
        for (E e : values) {
            if (key.apply(e).equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("key '" + path + "' must be one of "
                + Arrays.stream(values).map(key).toList() + ", got '" + value + "'");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}

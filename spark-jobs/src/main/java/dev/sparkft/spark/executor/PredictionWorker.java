package dev.sparkft.spark.executor;

import dev.sparkft.data.text.EncodedText;
import dev.sparkft.data.text.TextTokenizer;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Executor side of {@code predict}: scores a partition of input rows, chunk by chunk (so a partition is never
 * held whole), with the executor's model for {@code architecture} ({@link ExecutorModels}: one per task slot) in batches
 * of {@code batchSize} forward passes without gradients ({@code TrainableModel.predict}). Each input row becomes
 * one output row: its key columns, a {@code reason} (null when scored; the rejects are the rows where it is
 * set) and the prediction: {@code predicted_index}, {@code predicted_label} and {@code probabilities} (softmax of the logits),
 * plus {@code logits} for a sequence classifier on one window per row. Raw text is tokenised here; with windows a
 * document's probabilities are the mean over its windows, as evaluation judges documents ({@link DocumentScores}).
 * A token classifier's fields are arrays over the row's real tokens (attention mask 1).
 */
public final class PredictionWorker implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** The columns a tokenised text gives the model, in this order. */
    public static final List<String> TEXT_COLUMNS = List.of("input_ids", "attention_mask", "token_type_ids");
    public static final String REASON = "reason";
    public static final String EMPTY_TEXT = "empty text";
    /** The prediction's columns (after the keys and {@link #REASON}). */
    public static final List<String> PREDICTION_COLUMNS = List.of("predicted_index", "predicted_label",
            "probabilities", "logits", "windows");

    /**
     * How input rows become model inputs: raw text at {@code textIndex} through {@code tokenizer} (windows when
     * {@code stride} is not null), or the model's columns at {@code columnIndices} as they are; a row whose string
     * at {@code rejectIndex} (when {@code >= 0}) is set is rejected with that reason (e.g. an image file that
     * could not be decoded).
     */
    public record Encoding(int textIndex, TextTokenizer tokenizer, Integer stride, int[] columnIndices,
            StructType modelSchema, int rejectIndex) implements java.io.Serializable {
        public static Encoding text(int textIndex, TextTokenizer tokenizer, Integer stride) {
            return new Encoding(textIndex, tokenizer, stride, null, null, -1);
        }

        public static Encoding columns(int[] indices, StructType modelSchema) {
            return new Encoding(-1, null, null, indices, modelSchema, -1);
        }

        /** The model's columns, and the earlier rejection reason at {@code rejectIndex}. */
        public Encoding withRejects(int index) {
            return new Encoding(textIndex, tokenizer, stride, columnIndices, modelSchema, index);
        }

        boolean isText() {
            return tokenizer != null;
        }
    }

    private final ModelArchitecture architecture;
    private final RoundParameters params;
    private final int batchSize;
    private final int[] keyIndices;
    private final Encoding encoding;
    private final List<String> labels;
    private final boolean perToken;
    private final String path;

    /**
     * @param labels   class names in id order (empty: "0".."k-1")
     * @param perToken the model labels every token ({@code [n, seq, classes]} outputs)
     * @param path     the input, to name it in errors
     */
    public PredictionWorker(ModelArchitecture architecture, RoundParameters params, int batchSize, int[] keyIndices,
            Encoding encoding, List<String> labels, boolean perToken, String path) {
        this.architecture = architecture;
        this.params = params;
        this.batchSize = batchSize;
        this.keyIndices = keyIndices.clone();
        this.encoding = encoding;
        this.labels = List.copyOf(labels);
        this.perToken = perToken;
        this.path = path;
    }

    /** The output rows' schema: the key fields, then {@code reason} and the prediction fields. */
    public static StructType schema(List<StructField> keys, boolean perToken, boolean windows) {
        StructType s = new StructType(keys.toArray(new StructField[0])).add(REASON, DataTypes.StringType, true);
        if (perToken) {
            return s.add("predicted_index", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                    .add("predicted_label", DataTypes.createArrayType(DataTypes.StringType, false), true)
                    .add("probabilities", DataTypes.createArrayType(
                            DataTypes.createArrayType(DataTypes.FloatType, false), false), true);
        }
        s = s.add("predicted_index", DataTypes.IntegerType, true).add("predicted_label", DataTypes.StringType, true)
                .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), true);
        return windows ? s.add("windows", DataTypes.IntegerType, true)
                : s.add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), true);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        BatchAssembler assembler = encoding.isText() ? null
                : new BatchAssembler(encoding.modelSchema(), List.of(encoding.modelSchema().fieldNames()), path);
        return new Iterator<>() {
            private Iterator<Row> chunk = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                while (!chunk.hasNext() && input.hasNext()) {
                    chunk = score(input, assembler).iterator();
                }
                return chunk.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return chunk.next();
            }
        };
    }

    /** One input row on its way: its keys, and either its model inputs (one per window) or why it has none. */
    private record Pending(Object[] keys, List<Object> inputs, String reason) {
    }

    /** Takes rows until they give {@code batchSize} model inputs (or the partition ends) and scores them. */
    private List<Row> score(Iterator<Row> input, BatchAssembler assembler) {
        List<Pending> pending = new ArrayList<>();
        List<Object> inputs = new ArrayList<>();
        while (input.hasNext() && inputs.size() < batchSize) {
            Row row = input.next();
            Object[] keys = new Object[keyIndices.length];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = row.get(keyIndices[i]);
            }
            Pending p = encode(row, keys);
            pending.add(p);
            if (p.inputs() != null) {
                inputs.addAll(p.inputs());
            }
        }
        List<Tensor> outputs = new ArrayList<>();
        for (int from = 0; from < inputs.size(); from += batchSize) {
            Batch batch = batch(inputs.subList(from, Math.min(inputs.size(), from + batchSize)), assembler);
            outputs.add(ExecutorModels.withModel(architecture, lease -> {
                lease.ensureParameters(params);
                return lease.model().predict(batch);
            }));
        }
        Scores scores = new Scores(outputs, batchSize);
        List<Row> out = new ArrayList<>(pending.size());
        int next = 0;
        for (Pending p : pending) {
            if (p.reason() != null) {
                out.add(row(p.keys(), p.reason(), null));
                continue;
            }
            int n = p.inputs().size();
            out.add(row(p.keys(), null, perToken ? tokens(scores, next, p.inputs().get(0), assembler)
                    : document(scores, next, n)));
            next += n;
        }
        return out;
    }

    private Pending encode(Row row, Object[] keys) {
        if (encoding.isText()) {
            int t = encoding.textIndex();
            String text = row.isNullAt(t) ? null : row.getString(t);
            if (text == null || text.isBlank()) {
                return new Pending(keys, null, EMPTY_TEXT);
            }
            List<EncodedText> windows = encoding.stride() == null ? List.of(encoding.tokenizer().encode(text))
                    : encoding.tokenizer().encodeWindows(text, encoding.stride());
            if (windows.get(0).realLength() <= 2) {
                return new Pending(keys, null, EMPTY_TEXT); // nothing but [CLS] [SEP]: no tokenisable characters
            }
            return new Pending(keys, new ArrayList<>(windows), null);
        }
        int reject = encoding.rejectIndex();
        if (reject >= 0 && !row.isNullAt(reject)) {
            return new Pending(keys, null, row.getString(reject));
        }
        int[] columns = encoding.columnIndices();
        Object[] values = new Object[columns.length];
        for (int i = 0; i < columns.length; i++) {
            if (row.isNullAt(columns[i])) {
                return new Pending(keys, null, "null " + encoding.modelSchema().fieldNames()[i]);
            }
            values[i] = row.get(columns[i]);
        }
        return new Pending(keys, List.of(RowFactory.create(values)), null);
    }

    private Batch batch(List<Object> inputs, BatchAssembler assembler) {
        int n = inputs.size();
        if (assembler != null) {
            List<Row> rows = new ArrayList<>(n);
            inputs.forEach(o -> rows.add((Row) o));
            return assembler.assemble(rows, new long[n]);
        }
        int length = ((EncodedText) inputs.get(0)).inputIds().length;
        int[][] fields = new int[3][n * length];
        for (int i = 0; i < n; i++) {
            EncodedText e = (EncodedText) inputs.get(i);
            System.arraycopy(e.inputIds(), 0, fields[0], i * length, length);
            System.arraycopy(e.attentionMask(), 0, fields[1], i * length, length);
            System.arraycopy(e.tokenTypeIds(), 0, fields[2], i * length, length);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int f = 0; f < 3; f++) {
            tensors.put(TEXT_COLUMNS.get(f), Tensor.ofInts(fields[f], n, length));
        }
        return new Batch(tensors);
    }

    /** The model outputs of a chunk, addressed by the input's position in the chunk. */
    private record Scores(List<Tensor> batches, int batchSize) {
        Tensor batchOf(int input) {
            return batches.get(input / batchSize);
        }

        int classes() {
            long[] shape = batches.get(0).shape();
            return (int) shape[shape.length - 1];
        }
    }

    /** A sequence prediction over {@code n} windows from position {@code first}: mean probabilities. */
    private Object[] document(Scores scores, int first, int n) {
        int k = scores.classes();
        double[] mean = new double[k];
        float[] logits = null;
        for (int w = first; w < first + n; w++) {
            float[] s = scores.batchOf(w).floats();
            int offset = (w % batchSize) * k;
            double[] p = softmax(s, offset, k);
            for (int c = 0; c < k; c++) {
                mean[c] += p[c] / n;
            }
            if (n == 1) {
                logits = java.util.Arrays.copyOfRange(s, offset, offset + k);
            }
        }
        int best = argmax(mean);
        Object last = encoding.isText() && encoding.stride() != null ? (Object) n : toBoxed(logits);
        return new Object[] {best, name(best, k), toBoxed(mean), last};
    }

    /** A token classifier's prediction: per real token (mask 1) of the row at {@code position}. */
    private Object[] tokens(Scores scores, int position, Object input, BatchAssembler assembler) {
        Tensor t = scores.batchOf(position);
        int k = scores.classes();
        int seq = (int) t.shape()[1];
        int[] mask = mask(input, assembler, seq);
        List<Integer> index = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Float[]> probabilities = new ArrayList<>();
        int base = (position % batchSize) * seq * k;
        for (int i = 0; i < seq; i++) {
            if (mask[i] == 0) {
                continue;
            }
            double[] p = softmax(t.floats(), base + i * k, k);
            int best = argmax(p);
            index.add(best);
            names.add(name(best, k));
            probabilities.add(toBoxed(p));
        }
        return new Object[] {index.toArray(new Integer[0]), names.toArray(new String[0]),
                probabilities.toArray(new Float[0][])};
    }

    private static int[] mask(Object input, BatchAssembler assembler, int seq) {
        if (input instanceof EncodedText e) {
            return e.attentionMask();
        }
        int at = assembler.columns().indexOf("attention_mask");
        int[] mask = new int[seq];
        if (at < 0) {
            java.util.Arrays.fill(mask, 1);
            return mask;
        }
        List<Object> values = ((Row) input).getList(at);
        for (int i = 0; i < seq && i < values.size(); i++) {
            mask[i] = ((Number) values.get(i)).intValue();
        }
        return mask;
    }

    private String name(int index, int k) {
        if (labels.isEmpty()) {
            return Integer.toString(index);
        }
        if (labels.size() != k) {
            throw new IllegalArgumentException("the label names " + labels + " name " + labels.size() + " classes"
                    + " but model " + architecture.engine() + " predicts " + k);
        }
        return labels.get(index);
    }

    private Row row(Object[] keys, String reason, Object[] prediction) {
        int width = perToken ? 3 : 4;
        Object[] values = new Object[keys.length + 1 + width];
        System.arraycopy(keys, 0, values, 0, keys.length);
        values[keys.length] = reason;
        if (prediction != null) {
            System.arraycopy(prediction, 0, values, keys.length + 1, width);
        }
        return RowFactory.create(values);
    }

    /** Softmax of {@code s[offset, offset + k)} in double. */
    static double[] softmax(float[] s, int offset, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, s[offset + c]);
        }
        double[] p = new double[k];
        double total = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(s[offset + c] - max);
            total += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= total;
        }
        return p;
    }

    /** Index of the largest value, the first on ties (as evaluation's argmax). */
    private static int argmax(double[] v) {
        int best = 0;
        for (int c = 1; c < v.length; c++) {
            if (v[c] > v[best]) {
                best = c;
            }
        }
        return best;
    }

    private static Float[] toBoxed(double[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    private static Float[] toBoxed(float[] v) {
        if (v == null) {
            return null;
        }
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}

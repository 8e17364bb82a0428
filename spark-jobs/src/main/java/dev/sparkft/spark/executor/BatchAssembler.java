package dev.sparkft.spark.executor;

import dev.sparkft.data.image.ImageAugmentation;
import dev.sparkft.data.image.ImageShape;
import dev.sparkft.model.Batch;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.Tensor;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Turns dataset rows into a {@link Batch} following the dataset convention (docs/design.md):
 * {@code array<float>} / {@code array<int>} columns become {@code [n, len]} tensors, scalar {@code float} /
 * {@code int} columns {@code [n]}, {@code binary} columns (raw uint8) {@code [n, bytes]} floats in [0, 1].
 * Rows hold exactly the model's input columns, in {@link #columns()} order.
 */
public final class BatchAssembler implements Serializable {
    private static final long serialVersionUID = 1L;

    private enum Kind { FLOAT_ARRAY, INT_ARRAY, FLOAT, INT, BINARY }

    private final List<String> columns;
    private final Kind[] kinds;
    private final String path;
    /** Training-time augmentation of one binary image column, or null. */
    private final Augmenting augmenting;

    /** {@code augmentation} applied to the binary column at {@code column}, whose images are {@code shape}. */
    private record Augmenting(int column, ImageAugmentation augmentation, ImageShape shape) implements Serializable {
    }

    /** Checks the schema (naming the column and {@code path} on any mismatch) and remembers each column's kind. */
    public BatchAssembler(StructType schema, List<String> columns, String path) {
        this.columns = List.copyOf(columns);
        this.path = path;
        this.kinds = new Kind[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            kinds[i] = kindOf(schema, columns.get(i), path);
        }
        this.augmenting = null;
    }

    private BatchAssembler(BatchAssembler base, Augmenting augmenting) {
        this.columns = base.columns;
        this.path = base.path;
        this.kinds = base.kinds;
        this.augmenting = augmenting;
    }

    /**
     * The same assembler whose {@link #assemble(List, long[], long)} augments the binary image column
     * {@code column} (uint8 images of {@code shape}) before it becomes floats; fails naming the column unless it
     * is one of the model's binary columns.
     */
    public BatchAssembler withAugmentation(String column, ImageAugmentation augmentation, ImageShape shape) {
        int c = columns.indexOf(column);
        if (c < 0 || kinds[c] != Kind.BINARY) {
            throw new IllegalArgumentException("data.augment.column '" + column + "' must be a binary image column the"
                    + " model reads; the model reads " + columns + " from " + path);
        }
        return new BatchAssembler(this, new Augmenting(c, augmentation, shape));
    }

    public List<String> columns() {
        return columns;
    }

    /** A batch of {@code rows}; {@code indices} are their global example indices, used to name a bad row. */
    public Batch assemble(List<Row> rows, long[] indices) {
        return assemble(rows, indices, -1);
    }

    /**
     * A training batch of epoch {@code epoch}: as {@link #assemble(List, long[])}, with the image column
     * augmented per example from (seed, {@code epoch}, global index) when augmentation is set ({@code epoch < 0}:
     * none, as for evaluation).
     */
    public Batch assemble(List<Row> rows, long[] indices, long epoch) {
        int n = rows.size();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int c = 0; c < columns.size(); c++) {
            tensors.put(columns.get(c), column(rows, indices, c, n, epoch));
        }
        return new Batch(tensors);
    }

    private Tensor column(List<Row> rows, long[] indices, int c, int n, long epoch) {
        switch (kinds[c]) {
            case FLOAT: {
                float[] out = new float[n];
                for (int r = 0; r < n; r++) {
                    out[r] = ((Number) value(rows, indices, r, c)).floatValue();
                }
                return Tensor.ofFloats(out, n);
            }
            case INT: {
                int[] out = new int[n];
                for (int r = 0; r < n; r++) {
                    out[r] = ((Number) value(rows, indices, r, c)).intValue();
                }
                return Tensor.ofInts(out, n);
            }
            case BINARY: {
                int len = -1;
                float[] out = null;
                for (int r = 0; r < n; r++) {
                    byte[] bytes = (byte[]) value(rows, indices, r, c);
                    len = checkLength(len, bytes.length, indices, r, c);
                    if (augmenting != null && augmenting.column() == c && epoch >= 0) {
                        if (bytes.length != augmenting.shape().size()) {
                            throw rowError(indices, r, c, "has " + bytes.length + " bytes, not an image of "
                                    + augmenting.shape() + " as the dataset's descriptor says");
                        }
                        bytes = augmenting.augmentation().apply(bytes, augmenting.shape(), epoch, indices[r]);
                    }
                    if (out == null) {
                        out = new float[n * len];
                    }
                    for (int j = 0; j < len; j++) {
                        out[r * len + j] = (bytes[j] & 0xff) / 255f;
                    }
                }
                return Tensor.ofFloats(out == null ? new float[0] : out, n, Math.max(len, 0));
            }
            case FLOAT_ARRAY: {
                int len = -1;
                float[] out = null;
                for (int r = 0; r < n; r++) {
                    List<Object> values = rows.get(r).getList(c);
                    requireNonNull(values, indices, r, c);
                    len = checkLength(len, values.size(), indices, r, c);
                    if (out == null) {
                        out = new float[n * len];
                    }
                    for (int j = 0; j < len; j++) {
                        out[r * len + j] = ((Number) elementOf(values, j, indices, r, c)).floatValue();
                    }
                }
                return Tensor.ofFloats(out == null ? new float[0] : out, n, Math.max(len, 0));
            }
            case INT_ARRAY: {
                int len = -1;
                int[] out = null;
                for (int r = 0; r < n; r++) {
                    List<Object> values = rows.get(r).getList(c);
                    requireNonNull(values, indices, r, c);
                    len = checkLength(len, values.size(), indices, r, c);
                    if (out == null) {
                        out = new int[n * len];
                    }
                    for (int j = 0; j < len; j++) {
                        out[r * len + j] = ((Number) elementOf(values, j, indices, r, c)).intValue();
                    }
                }
                return Tensor.ofInts(out == null ? new int[0] : out, n, Math.max(len, 0));
            }
            default:
                throw new IllegalStateException("unhandled column kind " + kinds[c]);
        }
    }

    /**
     * What is wrong with one row against the model's expectations (by column; null where it expects nothing),
     * or null: a null value or element, a length or an int value the model does not take. {@code lengths}
     * receives each array or binary column's row length, so that the caller can find rows of differing
     * lengths; {@code hash} receives every value, in order.
     */
    String violation(Row row, ColumnExpectation[] expectations, int[] lengths, Fingerprint hash) {
        for (int c = 0; c < columns.size(); c++) {
            Object v = row.get(c);
            if (v == null) {
                return "column '" + columns.get(c) + "' is null; drop or fill such rows when preparing the dataset";
            }
            ColumnExpectation e = expectations[c];
            String bad = null;
            switch (kinds[c]) {
                case FLOAT -> hash.add(((Number) v).floatValue());
                case INT -> bad = outOfRange(c, ((Number) v).intValue(), e, hash);
                case BINARY -> {
                    hash.add((byte[]) v);
                    bad = badLength(c, ((byte[]) v).length, e, lengths);
                }
                case FLOAT_ARRAY, INT_ARRAY -> bad = badArray(c, row.getList(c), e, lengths, hash);
                default -> throw new IllegalStateException("unhandled column kind " + kinds[c]);
            }
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }

    private String badArray(int c, List<Object> values, ColumnExpectation e, int[] lengths, Fingerprint hash) {
        String bad = badLength(c, values.size(), e, lengths);
        for (int j = 0; j < values.size() && bad == null; j++) {
            Object x = values.get(j);
            if (x == null) {
                return "column '" + columns.get(c) + "' has a null element at position " + j;
            }
            if (kinds[c] == Kind.INT_ARRAY) {
                bad = outOfRange(c, ((Number) x).intValue(), e, hash);
            } else {
                hash.add(((Number) x).floatValue());
            }
        }
        return bad;
    }

    private String badLength(int c, int n, ColumnExpectation e, int[] lengths) {
        lengths[c] = n;
        if (e != null && e.length() >= 0 && n != e.length()) {
            return "column '" + columns.get(c) + "' has " + n + " values, the model takes " + e.length() + " ("
                    + e.meaning() + ")";
        }
        if (e != null && e.maxLength() >= 0 && n > e.maxLength()) {
            return "column '" + columns.get(c) + "' has " + n + " values, the model takes at most " + e.maxLength()
                    + " (" + e.meaning() + ")";
        }
        return null;
    }

    private String outOfRange(int c, int value, ColumnExpectation e, Fingerprint hash) {
        hash.add(value);
        if (e == null || e.allows(value)) {
            return null;
        }
        return "column '" + columns.get(c) + "' holds " + value + ", the model takes " + e.allowedValues() + " ("
                + e.meaning() + ")";
    }

    private Object value(List<Row> rows, long[] indices, int r, int c) {
        Object v = rows.get(r).get(c);
        requireNonNull(v, indices, r, c);
        return v;
    }

    private Object elementOf(List<Object> values, int j, long[] indices, int r, int c) {
        Object v = values.get(j);
        if (v == null) {
            throw rowError(indices, r, c, "has a null element at position " + j);
        }
        return v;
    }

    private void requireNonNull(Object v, long[] indices, int r, int c) {
        if (v == null) {
            throw rowError(indices, r, c, "is null; drop or fill such rows when preparing the dataset");
        }
    }

    private int checkLength(int expected, int actual, long[] indices, int r, int c) {
        if (expected >= 0 && actual != expected) {
            throw rowError(indices, r, c, "has " + actual + " values but example " + indices[0] + " has "
                    + expected + "; every row needs the same length (pad or truncate when preparing the dataset)");
        }
        return actual;
    }

    private IllegalArgumentException rowError(long[] indices, int r, int c, String what) {
        return new IllegalArgumentException("column '" + columns.get(c) + "' of example " + indices[r]
                + " in " + path + " " + what);
    }

    private static Kind kindOf(StructType schema, String column, String path) {
        StructField field = null;
        for (StructField f : schema.fields()) {
            if (f.name().equals(column)) {
                field = f;
            }
        }
        if (field == null) {
            throw new IllegalArgumentException("dataset " + path + " has no column '" + column
                    + "' that the model reads; its columns are " + List.of(schema.fieldNames()));
        }
        DataType t = field.dataType();
        if (t.equals(DataTypes.FloatType)) {
            return Kind.FLOAT;
        }
        if (t.equals(DataTypes.IntegerType)) {
            return Kind.INT;
        }
        if (t.equals(DataTypes.BinaryType)) {
            return Kind.BINARY;
        }
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
            return Kind.FLOAT_ARRAY;
        }
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.IntegerType)) {
            return Kind.INT_ARRAY;
        }
        throw new IllegalArgumentException("column '" + column + "' in " + path + " has type " + t.simpleString()
                + "; the dataset convention allows array<float>, array<int>, float, int or binary"
                + " (cast it when preparing the dataset)");
    }
}

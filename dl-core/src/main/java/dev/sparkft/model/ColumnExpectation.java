package dev.sparkft.model;

import java.io.Serializable;

/**
 * What a model accepts in one dataset column, so that the trainer can check every row before step 1 (one
 * pass over the data) instead of failing at the first batch that holds a bad row, possibly hours in.
 *
 * @param column       the column name
 * @param length       values per row for array or binary columns ({@code -1}: any; scalar columns: {@code -1})
 * @param maxLength    the most values a row may hold ({@code -1}: no bound)
 * @param min          the smallest allowed value of an int column ({@code Long.MIN_VALUE}: no bound)
 * @param max          the largest allowed value of an int column ({@code Long.MAX_VALUE}: no bound)
 * @param alsoAllowed  one more allowed int value outside [min, max] (e.g. -100 for unlabelled tokens), or null
 * @param meaning      what the bounds come from, in config terms, for the error message
 *                     (e.g. "model.options.numLabels = 2")
 */
public record ColumnExpectation(String column, int length, int maxLength, long min, long max, Long alsoAllowed,
        String meaning) implements Serializable {

    /** An int column (scalar or array) whose values lie in {@code [min, max]}. */
    public static ColumnExpectation intRange(String column, long min, long max, String meaning) {
        return new ColumnExpectation(column, -1, -1, min, max, null, meaning);
    }

    /** An array or binary column with exactly {@code length} values per row. */
    public static ColumnExpectation exactLength(String column, int length, String meaning) {
        return new ColumnExpectation(column, length, -1, Long.MIN_VALUE, Long.MAX_VALUE, null, meaning);
    }

    /** The same expectation with at most {@code maxLength} values per row. */
    public ColumnExpectation withMaxLength(int maxLength, String why) {
        return new ColumnExpectation(column, length, maxLength, min, max, alsoAllowed, meaning + ", " + why);
    }

    /** The same expectation also accepting {@code value}. */
    public ColumnExpectation alsoAllowing(long value) {
        return new ColumnExpectation(column, length, maxLength, min, max, value, meaning);
    }

    /** Whether an int value is allowed. */
    public boolean allows(long value) {
        return (value >= min && value <= max) || (alsoAllowed != null && value == alsoAllowed);
    }

    /** The allowed values in words, e.g. "0..1" or "0..8 or -100". */
    public String allowedValues() {
        String range = (min == Long.MIN_VALUE ? "" : Long.toString(min)) + ".."
                + (max == Long.MAX_VALUE ? "" : Long.toString(max));
        return alsoAllowed == null ? range : range + " or " + alsoAllowed;
    }
}

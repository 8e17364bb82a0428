package dev.sparkft.spark.executor;

import java.io.Serializable;

/**
 * One pass over a dataset before training, merged over partitions on the driver: how many examples, their
 * fingerprint (see {@link Fingerprint}), the first row (by example index) the model cannot take, and for
 * each array column the shortest and longest row, so that rows of differing lengths are found up front.
 * Rows are named by file and row number within the file, which is what a user can open and fix.
 */
public final class DataSummary implements Serializable {
    private static final long serialVersionUID = 1L;

    // Plain classes, not records: Kryo 4 (Spark's task results) cannot set a record's final fields.

    /** Where a row is: its example index, its Parquet file and its row number in that file. */
    public static final class RowLocation implements Serializable {
        private static final long serialVersionUID = 1L;
        private final long index;
        private final String file;
        private final long row;

        RowLocation(long index, String file, long row) {
            this.index = index;
            this.file = file;
            this.row = row;
        }

        public long index() {
            return index;
        }

        @Override
        public String toString() {
            return file + " row " + row;
        }
    }

    /** A row the model cannot take, and why. */
    public static final class Violation implements Serializable {
        private static final long serialVersionUID = 1L;
        private final RowLocation where;
        private final String message;

        Violation(RowLocation where, String message) {
            this.where = where;
            this.message = message;
        }

        public RowLocation where() {
            return where;
        }

        public String message() {
            return message;
        }
    }

    private long count;
    private long fingerprint;
    private Violation first;
    private final int[] minLength;
    private final int[] maxLength;
    private final RowLocation[] shortest;
    private final RowLocation[] longest;

    DataSummary(int columns) {
        minLength = new int[columns];
        maxLength = new int[columns];
        shortest = new RowLocation[columns];
        longest = new RowLocation[columns];
        java.util.Arrays.fill(minLength, Integer.MAX_VALUE);
        java.util.Arrays.fill(maxLength, -1);
    }

    void add(RowLocation where, long hash, String violation, int[] lengths) {
        count++;
        fingerprint += hash;
        if (violation != null && (first == null || where.index() < first.where().index())) {
            first = new Violation(where, violation);
        }
        for (int c = 0; c < lengths.length; c++) {
            if (lengths[c] < 0) {
                continue;
            }
            if (lengths[c] < minLength[c] || (lengths[c] == minLength[c] && where.index() < shortest[c].index())) {
                minLength[c] = lengths[c];
                shortest[c] = where;
            }
            if (lengths[c] > maxLength[c] || (lengths[c] == maxLength[c] && where.index() < longest[c].index())) {
                maxLength[c] = lengths[c];
                longest[c] = where;
            }
        }
    }

    /** Adds {@code b} into {@code a} (partition sums merge in any order to the same result). */
    public static DataSummary merge(DataSummary a, DataSummary b) {
        a.count += b.count;
        a.fingerprint += b.fingerprint;
        if (b.first != null && (a.first == null || b.first.where().index() < a.first.where().index())) {
            a.first = b.first;
        }
        for (int c = 0; c < a.minLength.length; c++) {
            if (b.shortest[c] != null && (a.shortest[c] == null || b.minLength[c] < a.minLength[c]
                    || (b.minLength[c] == a.minLength[c] && b.shortest[c].index() < a.shortest[c].index()))) {
                a.minLength[c] = b.minLength[c];
                a.shortest[c] = b.shortest[c];
            }
            if (b.longest[c] != null && (a.longest[c] == null || b.maxLength[c] > a.maxLength[c]
                    || (b.maxLength[c] == a.maxLength[c] && b.longest[c].index() < a.longest[c].index()))) {
                a.maxLength[c] = b.maxLength[c];
                a.longest[c] = b.longest[c];
            }
        }
        return a;
    }

    public long count() {
        return count;
    }

    public long fingerprint() {
        return fingerprint;
    }

    /** The first row (lowest example index) the model cannot take, or null. */
    public Violation firstViolation() {
        return first;
    }

    /**
     * For the first column whose rows differ in length: a message naming a shortest and a longest row;
     * null when every array column has one length.
     */
    /** Values per row of column {@code c} (the longest row's; -1 before any row). */
    public int length(int c) {
        return maxLength[c];
    }

    public String lengthMismatch(java.util.List<String> columns) {
        for (int c = 0; c < minLength.length; c++) {
            if (shortest[c] != null && minLength[c] != maxLength[c]) {
                return "column '" + columns.get(c) + "' has rows of " + minLength[c] + " values (" + shortest[c]
                        + ") and of " + maxLength[c] + " values (" + longest[c] + "); every row needs the same"
                        + " length (pad or truncate when preparing the dataset)";
            }
        }
        return null;
    }
}

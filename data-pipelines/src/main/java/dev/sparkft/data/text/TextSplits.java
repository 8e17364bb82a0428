package dev.sparkft.data.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Deterministic stratified splits. Within each label, rows are ordered by a hash of (seed, id) (ties by
 * id) and cut at the rounded cumulative fractions, so every label is split in the given proportions
 * (up to one row per split and label), and the assignment depends only on the seed and the ids: not on
 * partitioning, row order or any random generator. Fractions may sum to less than 1; the rest of each
 * label is left out, which draws a stratified sample. All rows of one label pass through one window
 * partition: meant for datasets of up to a few million rows.
 */
public final class TextSplits {

    private final Map<String, Double> fractions;
    private final long seed;

    /** @param fractions split name to fraction, in assignment order; each in (0, 1], summing to at most 1 */
    public TextSplits(Map<String, Double> fractions, long seed) {
        if (fractions == null || fractions.isEmpty()) {
            throw new IllegalArgumentException("at least one split fraction is required");
        }
        double sum = 0;
        for (Map.Entry<String, Double> e : fractions.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new IllegalArgumentException("split names must not be blank: " + fractions);
            }
            if (e.getValue() == null || !(e.getValue() > 0 && e.getValue() <= 1)) {
                throw new IllegalArgumentException("fraction of split '" + e.getKey() + "' must be in (0, 1], got " + e.getValue());
            }
            sum += e.getValue();
        }
        if (sum > 1 + 1e-9) {
            throw new IllegalArgumentException("split fractions sum to " + sum + " > 1: " + fractions);
        }
        this.fractions = new LinkedHashMap<>(fractions);
        this.seed = seed;
    }

    /** The rows with a {@code split} column added; rows outside every split are dropped. */
    public Dataset<Row> assign(Dataset<Row> rows, String idColumn, String labelColumn) {
        for (String c : List.of(idColumn, labelColumn)) {
            if (!List.of(rows.columns()).contains(c)) {
                throw new IllegalArgumentException("no column '" + c + "' to split by (columns: " + List.of(rows.columns()) + ")");
            }
        }
        if (List.of(rows.columns()).contains("split")) {
            throw new IllegalArgumentException("the input already has a 'split' column");
        }
        Column hash = xxhash64(lit(seed), col(idColumn));
        WindowSpec byLabel = Window.partitionBy(col(labelColumn));
        Column rank = row_number().over(byLabel.orderBy(hash, col(idColumn))).minus(1);
        Column size = count(lit(1)).over(byLabel);
        Column split = null;
        double cumulative = 0;
        for (Map.Entry<String, Double> e : fractions.entrySet()) {
            cumulative += e.getValue();
            // round(size * cumulative): cut points rounded per label, so the counts add up exactly.
            Column cut = org.apache.spark.sql.functions.round(size.multiply(Math.min(cumulative, 1.0)));
            Column here = rank.lt(cut);
            split = split == null ? when(here, lit(e.getKey())) : split.when(here, lit(e.getKey()));
        }
        return rows.withColumn("split", split).filter(col("split").isNotNull());
    }

    /** {@link #assign} separated into one dataset per split (without the {@code split} column). */
    public Map<String, Dataset<Row>> split(Dataset<Row> rows, String idColumn, String labelColumn) {
        Dataset<Row> assigned = assign(rows, idColumn, labelColumn);
        Map<String, Dataset<Row>> out = new LinkedHashMap<>();
        for (String name : fractions.keySet()) {
            out.put(name, assigned.filter(col("split").equalTo(name)).drop("split"));
        }
        return out;
    }
}

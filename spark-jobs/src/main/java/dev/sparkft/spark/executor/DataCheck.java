package dev.sparkft.spark.executor;

import dev.sparkft.model.ColumnExpectation;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Executor side of the pre-training data check: summarises one partition of numbered rows (the model's
 * columns followed by the row's file and its row number in that file) into a {@link DataSummary}.
 * Never throws for a bad row, so that the driver can name the first one and exit before any training.
 */
public final class DataCheck implements FlatMapFunction<Iterator<Tuple2<Long, Row>>, DataSummary> {
    private static final long serialVersionUID = 1L;

    private final BatchAssembler assembler;
    private final ColumnExpectation[] expectations;

    /** {@code expectations} may name columns in any order and omit some; columns without one are only hashed. */
    public DataCheck(BatchAssembler assembler, List<ColumnExpectation> expectations) {
        this.assembler = assembler;
        List<String> columns = assembler.columns();
        this.expectations = new ColumnExpectation[columns.size()];
        for (ColumnExpectation e : expectations) {
            int c = columns.indexOf(e.column());
            if (c >= 0) {
                this.expectations[c] = e;
            }
        }
    }

    @Override
    public Iterator<DataSummary> call(Iterator<Tuple2<Long, Row>> rows) {
        int n = assembler.columns().size();
        DataSummary summary = new DataSummary(n);
        Fingerprint hash = new Fingerprint();
        int[] lengths = new int[n];
        while (rows.hasNext()) {
            Tuple2<Long, Row> t = rows.next();
            Row row = t._2();
            Arrays.fill(lengths, -1);
            String bad = assembler.violation(row, expectations, lengths, hash.start(t._1()));
            DataSummary.RowLocation where = new DataSummary.RowLocation(t._1(), row.getString(n), row.getLong(n + 1));
            summary.add(where, hash.value(), bad, lengths);
        }
        return List.of(summary).iterator();
    }
}

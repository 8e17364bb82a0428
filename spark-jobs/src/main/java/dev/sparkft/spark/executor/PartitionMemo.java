package dev.sparkft.spark.executor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * This executor's cached partitions, their rows indexed by global example index, so that a step finds the
 * members of its global batch by binary search instead of rescanning the partition. Built once from the
 * cached RDD's iterator; rebuilt when missing (a new executor, or a task moved here). Only the newest
 * dataset is kept: building a partition of another dataset drops the older ones.
 */
public final class PartitionMemo {
    private static final Map<String, IndexedRows> MEMO = new ConcurrentHashMap<>();

    private PartitionMemo() {
    }

    /** The rows of partition {@code partition} of dataset {@code dataKey}, from {@code rows} if not memoised. */
    public static IndexedRows get(String dataKey, int partition, Iterator<Tuple2<Long, Row>> rows) {
        String key = dataKey + "#" + partition;
        IndexedRows found = MEMO.get(key);
        if (found != null) {
            return found;
        }
        IndexedRows built = IndexedRows.of(rows);
        synchronized (MEMO) {
            MEMO.keySet().removeIf(k -> !k.startsWith(dataKey + "#"));
            MEMO.put(key, built);
        }
        return built;
    }

    /** Rows sorted by global index. */
    public static final class IndexedRows {
        private final long[] indices;
        private final Row[] rows;

        private IndexedRows(long[] indices, Row[] rows) {
            this.indices = indices;
            this.rows = rows;
        }

        static IndexedRows of(Iterator<Tuple2<Long, Row>> it) {
            List<Tuple2<Long, Row>> all = new ArrayList<>();
            it.forEachRemaining(all::add);
            all.sort((a, b) -> Long.compare(a._1(), b._1()));
            long[] indices = new long[all.size()];
            Row[] rows = new Row[all.size()];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = all.get(i)._1();
                rows[i] = all.get(i)._2();
            }
            return new IndexedRows(indices, rows);
        }

        public int size() {
            return indices.length;
        }

        /** The members of {@code batch} held here, in the batch's order. */
        public Selection select(long[] batch) {
            List<Row> selected = new ArrayList<>();
            long[] selectedIndices = new long[batch.length];
            int n = 0;
            for (long g : batch) {
                int at = Arrays.binarySearch(indices, g);
                if (at >= 0) {
                    selected.add(rows[at]);
                    selectedIndices[n++] = g;
                }
            }
            return new Selection(selected, Arrays.copyOf(selectedIndices, n));
        }
    }

    /** Selected rows and their global indices, in the same order. */
    public record Selection(List<Row> rows, long[] indices) {
        public int size() {
            return indices.length;
        }

        public boolean isEmpty() {
            return indices.length == 0;
        }

        /** Rows {@code from} (inclusive) to {@code to} (exclusive) as their own selection. */
        public Selection slice(int from, int to) {
            return new Selection(rows.subList(from, to), Arrays.copyOfRange(indices, from, to));
        }
    }
}

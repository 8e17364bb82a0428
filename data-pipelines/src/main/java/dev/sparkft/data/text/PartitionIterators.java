package dev.sparkft.data.text;

import java.util.Iterator;
import java.util.function.Function;

/** Lazy per-row mapping for mapPartitions, so a partition is never held in memory as a whole. */
final class PartitionIterators {

    private PartitionIterators() {
    }

    static <A, B> Iterator<B> map(Iterator<A> rows, Function<A, B> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public B next() {
                return f.apply(rows.next());
            }
        };
    }
}

package dev.sparkft.data.text;

import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/** Lazy per-row mapping for mapPartitions, so a partition is never held in memory as a whole. */
public final class PartitionIterators {

    private PartitionIterators() {
    }

    public static <A, B> Iterator<B> map(Iterator<A> rows, Function<A, B> f) {
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

    /** Each row to zero or more rows, still one input row at a time. */
    static <A, B> Iterator<B> flatMap(Iterator<A> rows, Function<A, ? extends Iterable<B>> f) {
        return new Iterator<>() {
            private Iterator<B> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && rows.hasNext()) {
                    current = f.apply(rows.next()).iterator();
                }
                return current.hasNext();
            }

            @Override
            public B next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}

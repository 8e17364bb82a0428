package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Maximal runs of adjacent segments of a {@link ParameterLayout} that an optimizer treats alike (trainable;
 * trainable and decayed), so in-place ops run on a few large contiguous views instead of one per tensor.
 */
final class ParameterRanges {
    private final int size;
    private final long[][] trainable;
    private final long[][] decayed;
    private final List<Run> byDecay;

    /** A run of trainable parameters [start, end) that all have the same decay flag. */
    record Run(int start, int end, boolean decay) {
    }

    ParameterRanges(ParameterLayout layout) {
        this.size = layout.size();
        this.trainable = runs(layout, ParameterSegment::trainable);
        this.decayed = runs(layout, s -> s.trainable() && s.decay());
        List<Run> split = new ArrayList<>();
        for (long[] r : runs(layout, s -> s.trainable() && s.decay())) {
            split.add(new Run((int) r[0], (int) r[1], true));
        }
        for (long[] r : runs(layout, s -> s.trainable() && !s.decay())) {
            split.add(new Run((int) r[0], (int) r[1], false));
        }
        split.sort(java.util.Comparator.comparingInt(Run::start));
        this.byDecay = List.copyOf(split);
    }

    /** The trainable runs, split where the decay flag changes, in order. */
    List<Run> trainableByDecay() {
        return byDecay;
    }

    /** Length of the flat vector. */
    int size() {
        return size;
    }

    /** Views of {@code flat} over the trainable runs. */
    List<INDArray> trainable(INDArray flat) {
        return views(flat, trainable);
    }

    /** Views of {@code flat} over the runs that are both trainable and decayed. */
    List<INDArray> decayed(INDArray flat) {
        return views(flat, decayed);
    }

    /** Fails unless {@code a} is a contiguous FLOAT vector of the layout's length. */
    void check(String what, INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.length() != size || !a.isVectorOrScalar()
                || a.elementWiseStride() != 1) {
            throw new IllegalArgumentException(what + " must be a contiguous FLOAT vector of length " + size
                    + " (the parameter layout), got " + a.dataType() + " " + java.util.Arrays.toString(a.shape()));
        }
    }

    private static List<INDArray> views(INDArray flat, long[][] runs) {
        INDArray vector = flat.reshape(flat.length());
        List<INDArray> out = new ArrayList<>(runs.length);
        for (long[] r : runs) {
            out.add(vector.get(NDArrayIndex.interval(r[0], r[1])));
        }
        return out;
    }

    private static long[][] runs(ParameterLayout layout, Predicate<ParameterSegment> member) {
        List<long[]> out = new ArrayList<>();
        long[] open = null;
        for (ParameterSegment s : layout.segments()) {
            if (s.length() == 0) {
                continue;
            }
            if (!member.test(s)) {
                open = null;
            } else if (open != null) {
                open[1] = s.end();
            } else {
                open = new long[] {s.offset(), s.end()};
                out.add(open);
            }
        }
        return out.toArray(new long[0][]);
    }
}

package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Maximal runs of adjacent trainable segments of a {@link ParameterLayout}, so updates work on a few large
 * contiguous ranges instead of one per tensor, and frozen segments are never touched.
 */
final class ParameterRanges {
    /** A run of trainable parameters [start, end); {@code decay} when all of them are decayed. */
    record Run(int start, int end, boolean decay) {
    }

    private final int size;
    private final List<Run> trainable;
    private final List<Run> byDecay;

    ParameterRanges(ParameterLayout layout) {
        this.size = layout.size();
        this.trainable = runs(layout, false);
        this.byDecay = runs(layout, true);
    }

    /** Length of the flat vector. */
    int size() {
        return size;
    }

    /** The trainable runs, split where the decay flag changes, in order. */
    List<Run> trainableByDecay() {
        return byDecay;
    }

    /** Views of {@code flat} over the trainable runs. */
    List<INDArray> trainable(INDArray flat) {
        INDArray vector = flat.reshape(flat.length());
        List<INDArray> out = new ArrayList<>(trainable.size());
        for (Run r : trainable) {
            out.add(vector.get(NDArrayIndex.interval(r.start(), r.end())));
        }
        return out;
    }

    /** Fails unless {@code a} is a contiguous FLOAT vector of the layout's length. */
    void check(String what, INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.length() != size || !a.isVectorOrScalar()
                || a.elementWiseStride() != 1) {
            throw new IllegalArgumentException(what + " must be a contiguous FLOAT vector of length " + size
                    + " (the parameter layout), got " + a.dataType() + " " + java.util.Arrays.toString(a.shape()));
        }
    }

    private static List<Run> runs(ParameterLayout layout, boolean splitOnDecay) {
        List<Run> out = new ArrayList<>();
        Run open = null;
        for (ParameterSegment s : layout.segments()) {
            if (s.length() == 0) {
                continue;
            }
            if (!s.trainable()) {
                open = null;
                continue;
            }
            boolean decay = splitOnDecay && s.decay();
            if (open != null && open.decay() == decay) {
                open = new Run(open.start(), (int) s.end(), decay);
                out.set(out.size() - 1, open);
            } else {
                open = new Run((int) s.offset(), (int) s.end(), decay);
                out.add(open);
            }
        }
        return List.copyOf(out);
    }
}

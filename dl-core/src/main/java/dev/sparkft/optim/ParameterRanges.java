package dev.sparkft.optim;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Maximal runs of adjacent trainable segments of a {@link ParameterLayout} in the same parameter group, so
 * updates work on a few large contiguous ranges instead of one per tensor, each with its group's coefficients
 * (no per-element test of the group), and frozen segments are never touched.
 *
 * <p>Group 0 is the parameters in no {@link ParameterGroup}; group {@code i + 1} is {@code groups.get(i)}. The
 * assignment fails, naming the group and segment, when a segment is matched by two groups or a group matches no
 * segment (a typo in a regular expression must not silently train the backbone at the head's rate).
 */
final class ParameterRanges {
    /** A run of trainable parameters [start, end) of one group; {@code decay} when all of them are decayed. */
    record Run(int start, int end, boolean decay, int group) {
    }

    private final int size;
    private final List<Run> trainable;
    private final List<Run> byDecay;
    private final List<Run> frozen;

    ParameterRanges(ParameterLayout layout, List<ParameterGroup> groups) {
        this.size = layout.size();
        int[] group = assign(layout, groups);
        this.trainable = runs(layout, group, false);
        this.byDecay = runs(layout, group, true);
        List<Run> f = new ArrayList<>();
        for (ParameterSegment s : layout.segments()) {
            if (!s.trainable() && s.length() > 0) {
                f.add(new Run((int) s.offset(), (int) s.end(), false, 0));
            }
        }
        this.frozen = List.copyOf(f);
    }

    /** Length of the flat vector. */
    int size() {
        return size;
    }

    /** The trainable runs, split where the group changes, in order. */
    List<Run> trainableRuns() {
        return trainable;
    }

    /** The segments the layout freezes ({@code trainable=false}), one run each (group 0: not used). */
    List<Run> frozenRuns() {
        return frozen;
    }

    /** The trainable runs, split where the decay flag or the group changes, in order. */
    List<Run> trainableByDecay() {
        return byDecay;
    }

    /** Views of {@code flat} over {@link #trainableRuns()}, in the same order. */
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

    /**
     * The group of each segment (0: none). Frozen segments are matched too, so a group over a partly frozen
     * backbone is not "empty"; they stay untouched all the same.
     */
    static int[] assign(ParameterLayout layout, List<ParameterGroup> groups) {
        List<ParameterSegment> segments = layout.segments();
        int[] group = new int[segments.size()];
        for (int g = 0; g < groups.size(); g++) {
            ParameterGroup pg = groups.get(g);
            Pattern pattern = pg.pattern();
            int matched = 0;
            for (int s = 0; s < segments.size(); s++) {
                String name = segments.get(s).name();
                if (!pattern.matcher(name).find()) {
                    continue;
                }
                if (group[s] != 0) {
                    throw new IllegalArgumentException("optimizer.parameterGroups: parameter '" + name
                            + "' is matched by both '" + groups.get(group[s] - 1).name() + "' and '" + pg.name()
                            + "'; make their regular expressions disjoint (for example with a negative lookahead"
                            + " such as ^(?!fc\\.))");
                }
                group[s] = g + 1;
                matched++;
            }
            if (matched == 0) {
                List<String> names = segments.stream().map(ParameterSegment::name).limit(8).toList();
                throw new IllegalArgumentException("optimizer.parameterGroups[" + pg.name() + "].parameters \""
                        + pg.parameters() + "\" matches none of the model's " + segments.size()
                        + " parameter names (the first: " + names + "); fix the regular expression or drop the group");
            }
        }
        return group;
    }

    private static List<Run> runs(ParameterLayout layout, int[] group, boolean splitOnDecay) {
        List<Run> out = new ArrayList<>();
        Run open = null;
        List<ParameterSegment> segments = layout.segments();
        for (int i = 0; i < segments.size(); i++) {
            ParameterSegment s = segments.get(i);
            if (s.length() == 0) {
                continue;
            }
            if (!s.trainable()) {
                open = null;
                continue;
            }
            boolean decay = splitOnDecay && s.decay();
            if (open != null && open.decay() == decay && open.group() == group[i]) {
                open = new Run(open.start(), (int) s.end(), decay, group[i]);
                out.set(out.size() - 1, open);
            } else {
                open = new Run((int) s.offset(), (int) s.end(), decay, group[i]);
                out.add(open);
            }
        }
        return List.copyOf(out);
    }
}

package dev.sparkft.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** The named segments of a model's flat parameter vector, in order, contiguous and non-overlapping. */
public final class ParameterLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<ParameterSegment> segments;
    private final long size;

    public ParameterLayout(List<ParameterSegment> segments) {
        long next = 0;
        Set<String> names = new HashSet<>();
        for (ParameterSegment s : segments) {
            if (s.offset() != next) {
                throw new IllegalArgumentException("parameter '" + s.name() + "' starts at " + s.offset()
                        + " but the previous one ends at " + next + ": segments must be contiguous");
            }
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("duplicate parameter name '" + s.name() + "'");
            }
            next = s.end();
        }
        if (next > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("models above 2^31 parameters are not supported: " + next);
        }
        this.segments = List.copyOf(segments);
        this.size = next;
    }

    /** Builds a layout by appending segments one after another. */
    public static Builder builder() {
        return new Builder();
    }

    public List<ParameterSegment> segments() {
        return segments;
    }

    /** Total number of parameters (length of the flat vector). */
    public int size() {
        return (int) size;
    }

    public ParameterSegment segment(String name) {
        for (ParameterSegment s : segments) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no parameter named '" + name + "'");
    }

    /** A copy with {@code trainable=false} on every segment whose name matches {@code frozen}. */
    public ParameterLayout freeze(Predicate<String> frozen) {
        List<ParameterSegment> out = new ArrayList<>(segments.size());
        for (ParameterSegment s : segments) {
            out.add(frozen.test(s.name()) ? s.withTrainable(false) : s);
        }
        return new ParameterLayout(out);
    }

    /** Number of parameters in trainable segments. */
    public long trainableSize() {
        return segments.stream().filter(ParameterSegment::trainable).mapToLong(ParameterSegment::length).sum();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ParameterLayout other) || other.segments.size() != segments.size()) {
            return false;
        }
        for (int i = 0; i < segments.size(); i++) {
            ParameterSegment a = segments.get(i);
            ParameterSegment b = other.segments.get(i);
            if (!a.name().equals(b.name()) || !java.util.Arrays.equals(a.shape(), b.shape())
                    || a.decay() != b.decay() || a.trainable() != b.trainable() || a.statistic() != b.statistic()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return segments.stream().mapToInt(s -> s.name().hashCode()).sum();
    }

    @Override
    public String toString() {
        return "ParameterLayout(" + segments.size() + " tensors, " + size + " parameters)";
    }

    public static final class Builder {
        private final List<ParameterSegment> segments = new ArrayList<>();
        private long offset;

        public Builder add(String name, long[] shape, boolean decay) {
            ParameterSegment s = new ParameterSegment(name, shape.clone(), offset, decay, true);
            segments.add(s);
            offset = s.end();
            return this;
        }

        public ParameterLayout build() {
            return new ParameterLayout(segments);
        }
    }
}

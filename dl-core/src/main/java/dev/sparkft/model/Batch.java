package dev.sparkft.model;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch of examples as named tensors whose first dimension is the example index, e.g. {@code features}
 * and {@code label} for an image classifier, or {@code input_ids}, {@code attention_mask},
 * {@code token_type_ids} and {@code label} for a text encoder. The names are the dataset's column names.
 */
public final class Batch implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int size;
    private final Map<String, Tensor> tensors;

    public Batch(Map<String, Tensor> tensors) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("a Batch needs at least one tensor");
        }
        int n = -1;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            int rows = e.getValue().rows();
            if (n >= 0 && rows != n) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has " + rows
                        + " rows, expected " + n + " like the others in the batch");
            }
            n = rows;
        }
        this.size = n;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** Number of examples. */
    public int size() {
        return size;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The tensor named {@code name}; fails naming the missing column and the ones present. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("batch has no column '" + name + "' (columns: "
                    + tensors.keySet() + "); the dataset must provide it");
        }
        return t;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }
}

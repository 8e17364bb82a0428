package dev.sparkft.data.image;

import java.util.Map;

/**
 * What {@link ImageDatasetPrep} wrote: rows per class for each output split, rejected rows per reason, and the
 * dataset's descriptor (null before it is written). {@code classCounts.get("train")[k]} is the number of
 * label-{@code k} rows in {@code output/train}.
 */
public record PrepReport(Map<String, long[]> classCounts, Map<String, Long> rejectsByReason,
        dev.sparkft.data.dataset.PreparedDataset dataset) {

    public PrepReport {
        classCounts = Map.copyOf(classCounts);
        rejectsByReason = Map.copyOf(rejectsByReason);
    }

    public long rows(String split) {
        long n = 0;
        for (long c : classCounts.getOrDefault(split, new long[0])) {
            n += c;
        }
        return n;
    }

    public long rejects() {
        return rejectsByReason.values().stream().mapToLong(Long::longValue).sum();
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.optim.OptimizerState;
import dev.sparkft.spark.executor.PartitionState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Everything needed to continue a run exactly: the next step, the driver's parameters and optimizer state,
 * how many steps were skipped, the example count the data plan was built on and the training data's fingerprint
 * ({@link IndexedDataset#fingerprint()}; null in checkpoints written before it existed), the model layout's
 * fingerprint, the run's config (canonical JSON, data seed included) and, when the partitions keep state between
 * rounds (averaging's inner optimizer, compression's residuals), each partition's state in partition order (else
 * empty). Stored by {@link CheckpointStore}.
 */
public record Checkpoint(
        long step,
        long skippedSteps,
        long examples,
        String dataFingerprint,
        String layoutFingerprint,
        String configJson,
        float[] params,
        OptimizerState optimizer,
        List<PartitionState> partitions) {

    public Checkpoint {
        partitions = List.copyOf(partitions);
    }

    /** Format of the file written by {@link CheckpointStore}; bumped on any incompatible change. */
    public static final int FORMAT_VERSION = 1;

    /** A digest of the layout's names, shapes, decay and freezing: equal layouts give equal fingerprints. */
    public static String fingerprint(ParameterLayout layout) {
        StringBuilder sb = new StringBuilder();
        for (ParameterSegment s : layout.segments()) {
            sb.append(s.name()).append(Arrays.toString(s.shape())).append(s.decay() ? " d" : " -")
                    .append(s.trainable() ? " t" : " f").append(s.statistic() ? " s" : "").append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return layout.size() + ":" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}

package dev.sparkft.data.image;

/**
 * Settings of {@link ImageDatasetPrep}. {@code train} is split into {@code output/train} and (when
 * {@code validationFraction > 0}) {@code output/validation}; {@code test}, if given, becomes {@code output/test};
 * rejected rows go to {@code output/_rejects}. {@code labelNames}: the class names in id order (written to
 * {@code labels.json}), or empty to leave the classes numbered. {@code imageSize}: null to write {@code features}
 * (floats in [0, 1], the source's size), or the {@code [C, H, W]} of a uint8 {@code pixels} column.
 */
public record ImagePrepConfig(
        IdxSource train,
        IdxSource test,
        String output,
        int numClasses,
        double validationFraction,
        long seed,
        int partitions,
        java.util.List<String> labelNames,
        ImageShape imageSize) {

    public ImagePrepConfig(IdxSource train, IdxSource test, String output, int numClasses, double validationFraction,
            long seed, int partitions) {
        this(train, test, output, numClasses, validationFraction, seed, partitions, java.util.List.of());
    }

    public ImagePrepConfig(IdxSource train, IdxSource test, String output, int numClasses, double validationFraction,
            long seed, int partitions, java.util.List<String> labelNames) {
        this(train, test, output, numClasses, validationFraction, seed, partitions, labelNames, null);
    }

    public ImagePrepConfig {
        if (train == null) {
            throw new IllegalArgumentException("a training source (images + labels) is required");
        }
        if (output == null || output.isBlank()) {
            throw new IllegalArgumentException("an output directory is required");
        }
        if (numClasses < 2 || numClasses > 256) {
            throw new IllegalArgumentException("numClasses must be in [2, 256] for uint8 labels, got " + numClasses);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 1), got " + validationFraction);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        labelNames = java.util.List.copyOf(labelNames);
        if (!labelNames.isEmpty() && labelNames.size() != numClasses) {
            throw new IllegalArgumentException(labelNames.size() + " label names " + labelNames + " for numClasses "
                    + numClasses + "; give one name per class, in id order");
        }
    }
}

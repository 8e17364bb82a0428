package dev.sparkft.data.image;

import java.util.List;

/**
 * Settings of {@link ImageFolderPrep}. {@code input}: a folder (any Hadoop file system URI) with one sub-folder per
 * class holding JPEG/PNG files (nested folders inside a class folder belong to that class). {@code classes}: the
 * class names in id order, or empty for the sorted sub-folder names; files outside the listed folders are rejected
 * as {@value ImageDecoder#UNKNOWN_CLASS}. The kept images (all, or a stratified {@code limit}) are split per class
 * into {@code validation} and {@code test} by their fractions and {@code train} (the rest), seeded.
 */
public record ImageFolderConfig(
        String input,
        String output,
        List<String> classes,
        ImageShape imageSize,
        double validationFraction,
        double testFraction,
        int limit,
        long seed,
        int partitions) {

    public ImageFolderConfig {
        if (input == null || input.isBlank()) {
            throw new IllegalArgumentException("an input folder (one sub-folder per class) is required");
        }
        if (output == null || output.isBlank()) {
            throw new IllegalArgumentException("an output directory is required");
        }
        if (imageSize == null) {
            throw new IllegalArgumentException("an image size [channels, height, width] is required, e.g. [3, 64, 64]");
        }
        classes = List.copyOf(classes);
        if (classes.size() == 1 || classes.size() > 65_536) {
            throw new IllegalArgumentException("classes must name at least 2 classes (or be empty to take the"
                    + " sub-folders), got " + classes);
        }
        for (String c : classes) {
            if (c.isBlank() || c.contains("/") || classes.indexOf(c) != classes.lastIndexOf(c)) {
                throw new IllegalArgumentException("class '" + c + "' in " + classes + " must be a distinct folder name"
                        + " without '/'");
            }
        }
        if (!(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1)) {
            throw new IllegalArgumentException("validationFraction (" + validationFraction + ") and testFraction ("
                    + testFraction + ") must be >= 0 and leave some images for training (sum < 1)");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 keeps all), got " + limit);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
    }
}

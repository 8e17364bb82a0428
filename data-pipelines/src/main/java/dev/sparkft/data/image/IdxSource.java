package dev.sparkft.data.image;

import java.nio.file.Path;

/** One IDX images file with its labels file, and how many items to keep (stratified; 0 keeps all). */
public record IdxSource(Path images, Path labels, int limit) {

    public IdxSource {
        if (images == null || labels == null) {
            throw new IllegalArgumentException("an IDX source needs both an images and a labels file");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit for " + images + " must be >= 0 (0 keeps all), got " + limit);
        }
    }
}

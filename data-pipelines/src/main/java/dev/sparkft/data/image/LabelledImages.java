package dev.sparkft.data.image;

import java.nio.file.Path;

/** An IDX images file and its labels file, checked to describe the same items. Driver-side. */
public record LabelledImages(IdxArray images, IdxArray labels) {

    public LabelledImages {
        if (images.dims().length != 3) {
            throw new IllegalArgumentException(images.source() + ": expected images [count, rows, cols]");
        }
        if (labels.dims().length != 1) {
            throw new IllegalArgumentException(labels.source() + ": expected labels [count]");
        }
        if (images.count() != labels.count()) {
            throw new IllegalArgumentException("image/label count mismatch: " + images.source() + " holds "
                    + images.count() + " images but " + labels.source() + " holds " + labels.count()
                    + " labels; pass the labels file of the same set (train-* with train-*, t10k-* with t10k-*)");
        }
    }

    public static LabelledImages read(Path images, Path labels) {
        return new LabelledImages(IdxReader.readImages(images), IdxReader.readLabels(labels));
    }

    public int count() {
        return images.count();
    }

    public int rows() {
        return images.dims()[1];
    }

    public int cols() {
        return images.dims()[2];
    }
}

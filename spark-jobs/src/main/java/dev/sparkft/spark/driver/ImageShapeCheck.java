package dev.sparkft.spark.driver;

import dev.sparkft.cnn.CnnConfig;
import dev.sparkft.cnn.CnnModelOptions;
import dev.sparkft.data.dataset.PreparedDataset;
import dev.sparkft.model.ModelArchitecture;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Driver side, before Spark work: an image model's input size must be the image size its prepared data was made
 * at. The per-row check of the pixel count cannot tell 3×32×128 from 3×64×64; the {@code dataset.json} that
 * {@code sparkft prepare} writes next to the split folders records the shape, so a mismatch fails here with both
 * shapes instead of training on scrambled images. Tables that are not in a prepared dataset are not checked here
 * (their rows still are, by length).
 */
final class ImageShapeCheck {
    private ImageShapeCheck() {
    }

    /** Fails naming dataset.json, the model option and both shapes when {@code table}'s images do not fit. */
    static void require(ModelArchitecture architecture, String table, Configuration conf) {
        if (table == null || !(architecture.details() instanceof CnnModelOptions cnn)) {
            return;
        }
        Path parent = new Path(table).getParent();
        if (parent == null || !PreparedDataset.exists(parent, conf)) {
            return;
        }
        CnnConfig c = cnn.config();
        PreparedDataset.read(parent, conf).requireImageShape(List.of(c.channels(), c.height(), c.width()),
                "the model's model.options.imageSize (" + architecture.engine() + " " + c.architecture().optionName()
                        + ")");
    }
}

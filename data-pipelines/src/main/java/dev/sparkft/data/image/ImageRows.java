package dev.sparkft.data.image;

import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Executor-side conversion of raw image rows ({@link #RAW}: source file, item index, split, raw label, uint8
 * pixels) into dataset rows: {@code features} as floats in [0, 1] (row-major) and {@code label}, with a
 * {@code reason} that is null for a valid row and says what is wrong otherwise.
 */
public final class ImageRows {
    public static final StructType RAW = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("index", DataTypes.LongType, false)
            .add("split", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("pixels", DataTypes.BinaryType, false);

    public static final StructType CONVERTED = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("index", DataTypes.LongType, false)
            .add("split", DataTypes.StringType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("label", DataTypes.IntegerType, false)
            .add("reason", DataTypes.StringType, true);

    /** {@link #CONVERTED} with the fitted uint8 image ({@code pixels}) in place of {@code features}. */
    public static final StructType CONVERTED_PIXELS = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("index", DataTypes.LongType, false)
            .add("split", DataTypes.StringType, false)
            .add("pixels", DataTypes.BinaryType, true)
            .add("label", DataTypes.IntegerType, false)
            .add("reason", DataTypes.StringType, true);

    private ImageRows() {
    }

    /** The same checks; each {@code rows x cols} gray image fitted to {@code target} ({@link DecodedImage}). */
    public static Dataset<Row> convert(Dataset<Row> raw, int rows, int cols, int numClasses, ImageShape target) {
        if (!raw.schema().equals(RAW)) {
            throw new IllegalArgumentException("raw image rows must have schema " + RAW.simpleString()
                    + ", got " + raw.schema().simpleString());
        }
        MapPartitionsFunction<Row, Row> fit = it -> dev.sparkft.data.text.PartitionIterators.map(it, r -> {
            int label = r.getInt(3);
            byte[] gray = (byte[]) r.get(4);
            String reason = label < 0 || label >= numClasses ? "label " + label + " outside [0, " + numClasses + ")"
                    : gray.length != rows * cols ? "expected " + rows * cols + " pixels, got " + gray.length : null;
            byte[] pixels = reason != null ? null : DecodedImage.gray(gray, cols, rows).toPixels(target);
            return RowFactory.create(r.getString(0), r.getLong(1), r.getString(2), pixels, label, reason);
        });
        return raw.mapPartitions(fit, Encoders.row(CONVERTED_PIXELS));
    }

    /** Validates and converts every row; rejected rows keep a null {@code features} and get a reason. */
    public static Dataset<Row> convert(Dataset<Row> raw, int pixelsPerImage, int numClasses) {
        if (!raw.schema().equals(RAW)) {
            throw new IllegalArgumentException("raw image rows must have schema " + RAW.simpleString()
                    + ", got " + raw.schema().simpleString());
        }
        return raw.mapPartitions(new Converter(pixelsPerImage, numClasses), Encoders.row(CONVERTED));
    }

    /** Serializable, sent to executors. */
    private static final class Converter implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final int pixelsPerImage;
        private final int numClasses;

        Converter(int pixelsPerImage, int numClasses) {
            this.pixelsPerImage = pixelsPerImage;
            this.numClasses = numClasses;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    return convert(rows.next());
                }
            };
        }

        private Row convert(Row r) {
            int label = r.getInt(3);
            byte[] pixels = (byte[]) r.get(4);
            String reason = null;
            if (label < 0 || label >= numClasses) {
                reason = "label " + label + " outside [0, " + numClasses + ")";
            } else if (pixels.length != pixelsPerImage) {
                reason = "expected " + pixelsPerImage + " pixels, got " + pixels.length;
            }
            float[] features = null;
            if (reason == null) {
                features = new float[pixels.length];
                for (int p = 0; p < pixels.length; p++) {
                    features[p] = (pixels[p] & 0xff) / 255f;
                }
            }
            return RowFactory.create(r.getString(0), r.getLong(1), r.getString(2), features, label, reason);
        }
    }
}

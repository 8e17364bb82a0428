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

    private ImageRows() {
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

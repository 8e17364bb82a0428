package dev.sparkft.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkft.model.Batch;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

class BatchAssemblerTest {
    private static final StructType SCHEMA = new StructType()
            .add("image", DataTypes.BinaryType)
            .add("ids", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("weights", DataTypes.createArrayType(DataTypes.FloatType))
            .add("score", DataTypes.FloatType)
            .add("label", DataTypes.IntegerType)
            .add("name", DataTypes.StringType)
            .add("big", DataTypes.LongType);
    private static final List<String> COLUMNS = List.of("image", "ids", "weights", "score", "label");

    /** A row as Spark hands it over: array columns are Scala sequences. */
    private static Row row(byte[] image, Integer[] ids, Float[] weights, Float score, Integer label) {
        return RowFactory.create(image, seq(ids), seq(weights), score, label);
    }

    private static <T> scala.collection.Seq<T> seq(T[] values) {
        return JavaConverters.asScalaBuffer(Arrays.asList(values));
    }

    @Test
    void followsTheDatasetConvention() {
        BatchAssembler a = new BatchAssembler(SCHEMA, COLUMNS, "/d/train.parquet");
        Batch b = a.assemble(List.of(
                row(new byte[] {0, (byte) 255, (byte) 51}, new Integer[] {1, 2}, new Float[] {0.5f}, 1.5f, 3),
                row(new byte[] {(byte) 102, 0, 0}, new Integer[] {3, 4}, new Float[] {-1f}, -2f, 0)),
                new long[] {10, 11});
        assertEquals(2, b.size());
        assertArrayEquals(new long[] {2, 3}, b.get("image").shape());
        assertArrayEquals(new float[] {0, 1, 0.2f, 0.4f, 0, 0}, b.get("image").floats(), 1e-7f);
        assertArrayEquals(new long[] {2, 2}, b.get("ids").shape());
        assertArrayEquals(new int[] {1, 2, 3, 4}, b.get("ids").ints());
        assertArrayEquals(new float[] {0.5f, -1f}, b.get("weights").floats());
        assertArrayEquals(new long[] {2}, b.get("score").shape());
        assertArrayEquals(new float[] {1.5f, -2f}, b.get("score").floats());
        assertArrayEquals(new int[] {3, 0}, b.get("label").ints());
    }

    @Test
    void anAugmentingAssemblerAugmentsTrainingBatchesOnly() {
        StructType schema = new StructType().add("pixels", DataTypes.BinaryType).add("label", DataTypes.IntegerType);
        dev.sparkft.data.image.ImageShape wide = new dev.sparkft.data.image.ImageShape(1, 2, 3);
        dev.sparkft.data.image.ImageAugmentation flip = new dev.sparkft.data.image.ImageAugmentation(1, false, 1, 1, 1,
                1, 1.0);
        BatchAssembler plain = new BatchAssembler(schema, List.of("pixels", "label"), "/d/train");
        BatchAssembler a = plain.withAugmentation("pixels", flip, wide);
        List<Row> rows = List.of(RowFactory.create(new byte[] {0, 51, (byte) 102, (byte) 153, (byte) 204, (byte) 255}, 1));
        assertArrayEquals(new float[] {0.4f, 0.2f, 0, 1, 0.8f, 0.6f}, a.assemble(rows, new long[] {7}, 0)
                .get("pixels").floats(), 1e-7f, "flipped rows in training");
        assertArrayEquals(new float[] {0, 0.2f, 0.4f, 0.6f, 0.8f, 1}, a.assemble(rows, new long[] {7}).get("pixels")
                .floats(), 1e-7f, "evaluation batches are never augmented");
        // a random crop: the batch holds exactly ImageAugmentation's pixels for (seed, epoch, index)
        dev.sparkft.data.image.ImageAugmentation crop = dev.sparkft.data.image.ImageAugmentation.standard(3);
        byte[] img = new byte[6];
        for (int i = 0; i < 6; i++) {
            img[i] = (byte) (40 * i);
        }
        float[] got = plain.withAugmentation("pixels", crop, wide).assemble(List.of(RowFactory.create(img, 0)),
                new long[] {12}, 5).get("pixels").floats();
        byte[] expected = crop.apply(img, wide, 5, 12);
        for (int i = 0; i < 6; i++) {
            assertEquals((expected[i] & 0xff) / 255f, got[i], 1e-7f);
        }
        IllegalArgumentException notBinary = assertThrows(IllegalArgumentException.class,
                () -> plain.withAugmentation("label", crop, wide));
        assertEquals("data.augment.column 'label' must be a binary image column the model reads; the model reads"
                + " [pixels, label] from /d/train", notBinary.getMessage());
    }

    @Test
    void schemaErrorsNameTheColumnAndThePath() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new BatchAssembler(SCHEMA, List.of("features"), "/d/train.parquet"));
        assertEquals("dataset /d/train.parquet has no column 'features' that the model reads; its columns are"
                + " [image, ids, weights, score, label, name, big]", missing.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new BatchAssembler(SCHEMA, List.of("big"), "/d/train.parquet"));
        assertEquals("column 'big' in /d/train.parquet has type bigint; the dataset convention allows array<float>,"
                + " array<int>, float, int or binary (cast it when preparing the dataset)", type.getMessage());
    }

    @Test
    void rowErrorsNameTheExample() {
        BatchAssembler a = new BatchAssembler(SCHEMA, COLUMNS, "/d/train.parquet");
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class, () -> a.assemble(List.of(
                row(new byte[3], new Integer[] {1, 2}, new Float[] {0f}, 0f, 0),
                row(new byte[3], new Integer[] {1, 2, 3}, new Float[] {0f}, 0f, 0)), new long[] {40, 41}));
        assertEquals("column 'ids' of example 41 in /d/train.parquet has 3 values but example 40 has 2; every row"
                + " needs the same length (pad or truncate when preparing the dataset)", ragged.getMessage());
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> a.assemble(List.of(
                row(new byte[3], new Integer[] {1}, new Float[] {0f}, 0f, null)), new long[] {7}));
        assertEquals("column 'label' of example 7 in /d/train.parquet is null; drop or fill such rows when"
                + " preparing the dataset", nul.getMessage());
    }
}

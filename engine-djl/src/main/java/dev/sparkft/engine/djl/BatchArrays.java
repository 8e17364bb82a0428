package dev.sparkft.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.sparkft.bert.BertHead;
import dev.sparkft.bert.BertTask;
import dev.sparkft.hf.BertConfig;
import dev.sparkft.model.Batch;
import dev.sparkft.model.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a {@link Batch}'s int columns into int64 arrays in a step's manager, checking shapes and value
 * ranges first so that bad data fails with the column and row instead of a native index error.
 */
public final class BatchArrays {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final List<String> INPUT_COLUMNS = List.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);

    private BatchArrays() {
    }

    public static BertInputs inputs(NDManager manager, Batch batch, BertConfig config) {
        Tensor ids = matrix(batch, INPUT_IDS, null);
        Tensor mask = matrix(batch, ATTENTION_MASK, ids.shape());
        Tensor types = matrix(batch, TOKEN_TYPE_IDS, ids.shape());
        if (ids.shape()[1] > config.maxPositions()) {
            throw new IllegalArgumentException("column 'input_ids' has sequences of length " + ids.shape()[1]
                    + " but the model allows max_position_embeddings=" + config.maxPositions());
        }
        checkRange(ids, INPUT_IDS, 0, config.vocabSize() - 1);
        checkRange(mask, ATTENTION_MASK, 0, 1);
        checkRange(types, TOKEN_TYPE_IDS, 0, config.typeVocabSize() - 1);
        return new BertInputs(int64(manager, ids), int64(manager, mask), int64(manager, types));
    }

    /** Labels as int64 [n] or [n, seq]; values in [0, numLabels), or -100 for tokens without a label. */
    public static NDArray labels(NDManager manager, Batch batch, BertHead head) {
        String column = head.task().labelColumn();
        Tensor labels = batch.get(column);
        if (labels.isFloat()) {
            throw new IllegalArgumentException("column '" + column + "' must hold ints, got " + labels);
        }
        if (head.task() == BertTask.SEQUENCE_CLASSIFICATION) {
            if (labels.shape().length != 1) {
                throw new IllegalArgumentException("column 'label' must be int [n], got " + labels);
            }
            checkRange(labels, column, 0, head.numLabels() - 1);
        } else {
            matrix(batch, column, batch.get(INPUT_IDS).shape());
            for (int i = 0; i < labels.ints().length; i++) {
                int v = labels.ints()[i];
                if (v != BertClassifier.IGNORED_LABEL && (v < 0 || v >= head.numLabels())) {
                    throw rangeError(labels, column, i, v, "0.." + (head.numLabels() - 1) + " or -100");
                }
            }
        }
        return int64(manager, labels);
    }

    /** Weight of a batch's loss sum: examples, or labelled tokens. */
    public static long lossWeight(Batch batch, BertHead head) {
        Tensor labels = batch.get(head.task().labelColumn());
        if (head.task() == BertTask.SEQUENCE_CLASSIFICATION) {
            return labels.rows();
        }
        return Arrays.stream(labels.ints()).filter(v -> v != BertClassifier.IGNORED_LABEL).count();
    }

    private static Tensor matrix(Batch batch, String column, long[] expectedShape) {
        Tensor t = batch.get(column);
        if (t.isFloat() || t.shape().length != 2) {
            throw new IllegalArgumentException("column '" + column + "' must be int [n, seq], got " + t);
        }
        if (expectedShape != null && !Arrays.equals(t.shape(), expectedShape)) {
            throw new IllegalArgumentException("column '" + column + "' has shape " + Arrays.toString(t.shape())
                    + " but input_ids has " + Arrays.toString(expectedShape));
        }
        return t;
    }

    private static void checkRange(Tensor t, String column, int min, int max) {
        int[] v = t.ints();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < min || v[i] > max) {
                throw rangeError(t, column, i, v[i], min + ".." + max);
            }
        }
    }

    private static IllegalArgumentException rangeError(Tensor t, String column, int index, int value, String allowed) {
        long perRow = t.shape().length == 1 ? 1 : t.shape()[1];
        return new IllegalArgumentException("column '" + column + "' row " + index / perRow + " holds " + value
                + ", outside " + allowed + "; check the dataset against the model config");
    }

    private static NDArray int64(NDManager manager, Tensor t) {
        return manager.create(t.ints(), new Shape(t.shape())).toType(DataType.INT64, false);
    }
}

package dev.sparkft.spark.executor;

import dev.sparkft.eval.ConfusionMatrix;
import dev.sparkft.model.Batch;
import dev.sparkft.model.Evaluation;
import dev.sparkft.model.LossSum;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.Tensor;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.executor.PartitionMemo.Selection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Evaluates a whole validation partition at the round's parameters, in micro-batches: the summed loss
 * and a confusion matrix of (label, argmax of the model's scores). Sequence classification reads
 * {@code label} {@code [n]} against scores {@code [n, classes]}; token classification reads {@code labels}
 * {@code [n, seq]} against {@code [n, seq, classes]}, skipping positions labelled {@value #IGNORED}. When the
 * rows carry a {@code document} column (a windowed text set), each window's scores also go into
 * {@link DocumentScores}, so that the driver can judge whole documents.
 * Loss and scores come from {@link TrainableModel#evaluate} (one forward pass where the engine allows).
 */
public final class ClassificationWorker implements FlatMapFunction<Iterator<Tuple2<Long, Row>>, ClassificationSum> {
    private static final long serialVersionUID = 1L;
    /** Label of token positions that carry no label (padding, continuation pieces), as in Hugging Face. */
    public static final int IGNORED = -100;
    /** Column numbering the document a window of a windowed text set belongs to. */
    public static final String DOCUMENT = "document";

    private final ModelArchitecture architecture;
    private final BatchAssembler assembler;
    private final RoundParameters params;
    private final int microBatch;
    private final List<String> labelNames;
    private final String path;

    /** {@code labelNames} empty: classes are named "0".."k-1" after the model's class count. */
    public ClassificationWorker(ModelArchitecture architecture, BatchAssembler assembler, RoundParameters params, int microBatch,
            List<String> labelNames, String path) {
        this.architecture = architecture;
        this.assembler = assembler;
        this.params = params;
        this.microBatch = microBatch;
        this.labelNames = List.copyOf(labelNames);
        this.path = path;
    }

    @Override
    public Iterator<ClassificationSum> call(Iterator<Tuple2<Long, Row>> partition) {
        List<Row> rows = new ArrayList<>();
        List<Long> indices = new ArrayList<>();
        partition.forEachRemaining(t -> {
            indices.add(t._1());
            rows.add(t._2());
        });
        if (rows.isEmpty()) {
            return List.of(new ClassificationSum(LossSum.ZERO, null, null)).iterator();
        }
        Selection all = new Selection(rows, indices.stream().mapToLong(Long::longValue).toArray());
        ClassificationSum result = ExecutorModels.withModel(architecture, lease -> {
            lease.ensureParameters(params);
            TrainableModel model = lease.model();
            LossSum loss = LossSum.ZERO;
            ConfusionMatrix matrix = null;
            DocumentScores documents = assembler.columns().contains(DOCUMENT) ? new DocumentScores(path) : null;
            for (int from = 0; from < all.size(); from += microBatch) {
                Selection micro = all.slice(from, Math.min(all.size(), from + microBatch));
                Batch batch = assembler.assemble(micro.rows(), micro.indices());
                Evaluation evaluation = model.evaluate(batch);
                loss = loss.plus(evaluation.loss());
                Tensor scores = evaluation.outputs();
                if (matrix == null) {
                    matrix = new ConfusionMatrix(names(classesOf(scores)));
                }
                count(scores, batch, micro.indices(), matrix);
                if (documents != null) {
                    int[] document = batch.get(DOCUMENT).ints();
                    int[] label = batch.get("label").ints();
                    int k = classesOf(scores);
                    float[] logits = scores.floats();
                    for (int i = 0; i < batch.size(); i++) {
                        documents.add(document[i], label[i], logits, i * k, k);
                    }
                }
            }
            return new ClassificationSum(loss, matrix, documents);
        });
        return List.of(result).iterator();
    }

    private static int classesOf(Tensor scores) {
        return (int) scores.shape()[scores.shape().length - 1];
    }

    private List<String> names(int classes) {
        if (labelNames.isEmpty()) {
            List<String> numbered = new ArrayList<>(classes);
            for (int c = 0; c < classes; c++) {
                numbered.add(Integer.toString(c));
            }
            return numbered;
        }
        if (labelNames.size() != classes) {
            throw new IllegalArgumentException("the label names " + labelNames + " (evaluation.labels or labels.json)"
                    + " name " + labelNames.size() + " classes but model " + architecture.engine() + " predicts " + classes
                    + "; list one name per class in id order");
        }
        return labelNames;
    }

    /** Adds (label, argmax) of every labelled example or token of {@code batch} into {@code matrix}. */
    private void count(Tensor scores, Batch batch, long[] indices, ConfusionMatrix matrix) {
        boolean tokens = batch.has("labels") && !batch.has("label");
        String column = tokens ? "labels" : "label";
        Tensor labels = batch.get(column);
        int k = classesOf(scores);
        int n = batch.size();
        int positions = tokens ? (int) labels.shape()[1] : 1;
        long[] expected = tokens ? new long[] {n, positions, k} : new long[] {n, k};
        if (!scores.isFloat() || !Arrays.equals(scores.shape(), expected) || labels.isFloat()) {
            throw new IllegalStateException("classification evaluation needs int column '" + column + "' and float"
                    + " scores " + Arrays.toString(expected) + "; model " + architecture.engine() + " gave scores "
                    + scores + " for labels " + labels);
        }
        float[] s = scores.floats();
        int[] y = labels.ints();
        for (int i = 0; i < n * positions; i++) {
            int actual = y[i];
            if (tokens && actual == IGNORED) {
                continue;
            }
            if (actual < 0 || actual >= k) {
                throw new IllegalArgumentException("column '" + column + "' of example " + indices[i / positions]
                        + " in " + path + " has class id " + actual + " outside [0, " + k + ") of the model's classes");
            }
            matrix.add(actual, argmax(s, i * k, k));
        }
    }

    /** Index of the largest score (the first on ties, as numpy's argmax). */
    static int argmax(float[] s, int offset, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (s[offset + c] > s[offset + best]) {
                best = c;
            }
        }
        return best;
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.model.ColumnExpectation;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.executor.ClassificationSum;
import dev.sparkft.spark.executor.ClassificationWorker;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Evaluates the parameters on {@code data.validation} (loaded and cached once per run): executors predict
 * and count a confusion matrix per partition, the driver merges them into a {@link ClassificationReport}.
 */
final class Validator implements AutoCloseable {
    private final JavaSparkContext sc;
    private final IndexedDataset data;
    private final TrainConfig config;
    private final ModelArchitecture architecture;
    private final List<String> labelNames;

    Validator(SparkSession spark, TrainConfig config, ModelArchitecture architecture, List<String> columns,
            List<ColumnExpectation> expectations) {
        this(spark, config, architecture, LabelNames.resolve(config.evaluation().labels(), config.data().train(),
                spark.sparkContext().hadoopConfiguration()), columns, expectations);
    }

    /** A validator with its own class names (a model read back from a checkpoint or an exported folder). */
    Validator(SparkSession spark, TrainConfig config, ModelArchitecture architecture, List<String> labelNames,
            List<String> columns, List<ColumnExpectation> expectations) {
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.config = config;
        this.architecture = architecture;
        this.labelNames = labelNames;
        this.data = IndexedDataset.load(spark, config.data().validation(), withDocument(spark, config, columns),
                expectations, config.data().partitions());
    }

    /** The model's columns, and {@code document} when the validation set is windowed text. */
    private static List<String> withDocument(SparkSession spark, TrainConfig config, List<String> columns) {
        List<String> present = List.of(spark.read().parquet(config.data().validation()).columns());
        if (!present.contains(ClassificationWorker.DOCUMENT) || columns.contains(ClassificationWorker.DOCUMENT)) {
            return columns;
        }
        List<String> loaded = new ArrayList<>(columns);
        loaded.add(ClassificationWorker.DOCUMENT);
        return loaded;
    }

    ValidationResult evaluate(float[] params, long step, double epoch, boolean end) {
        String path = config.data().validation();
        ClassificationSum sum = SparkJobDescription.run(sc, "validation at step " + step, () -> RoundRunner.run(sc,
                data, params, broadcast -> new ClassificationWorker(architecture, data.assembler(), broadcast,
                        config.training().microBatch(), labelNames, path), ClassificationSum::merge));
        if (sum.matrix() == null || sum.matrix().total() == 0) {
            throw new IllegalArgumentException("validation set " + path + " has no labelled examples to evaluate");
        }
        ClassificationReport perExample = ClassificationReport.of(sum.matrix());
        if (sum.documents() == null) {
            return new ValidationResult(step, epoch, end, sum.loss().mean(), perExample, null);
        }
        ClassificationReport perDocument = ClassificationReport.of(sum.documents().matrix(sum.matrix().labels()));
        return new ValidationResult(step, epoch, end, sum.loss().mean(), perDocument, perExample);
    }

    @Override
    public void close() {
        data.close();
    }
}

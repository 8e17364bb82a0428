package dev.sparkft.spark.driver;

import dev.sparkft.model.LossSum;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.config.TrainConfig.NonFinitePolicy;
import dev.sparkft.spark.executor.FloatVectors;
import dev.sparkft.spark.executor.PartialSum;
import dev.sparkft.spark.executor.RoundParameters;
import java.util.Iterator;
import java.util.function.Function;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The round both training masters run, on the driver: send the parameters, let every partition's worker compute
 * its vector (a gradient sum, or an example-weighted parameter delta), sum those in partition order
 * ({@link RoundRunner}), divide by the total loss weight (with the master's sign), fail or skip on a non-finite
 * value, step the driver's optimizer, and report what it cost.
 *
 * <p>The round's large vectors are reused from round to round: the parameter copy sent out is this object's, and
 * the summed vector goes back to {@link dev.sparkft.spark.executor.RoundVectors} after the step.
 */
final class TrainingRound {
    private final JavaSparkContext sc;
    private final TrainConfig config;
    /** The parameters as this round sends them (rounded to the wire's precision in place). */
    private float[] sent;

    TrainingRound(JavaSparkContext sc, TrainConfig config) {
        this.sc = sc;
        this.config = config;
    }

    /**
     * Steps {@code [step, step + steps)}. {@code sign} turns the summed vector into the optimizer's gradient: +1
     * for a gradient sum, -1 for a delta; {@code maxGradNorm} clips it (0 = off); {@code learningRate} is reported.
     */
    RoundReport run(IndexedDataset data, FlatParameters params, long step, int steps, double sign,
            double maxGradNorm, double learningRate,
            Function<RoundParameters, FlatMapFunction<Iterator<Tuple2<Long, Row>>, PartialSum>> workerFor) {
        long start = System.nanoTime();
        Communication communication = config.training().communication();
        if (sent == null || sent.length != params.size()) {
            sent = new float[params.size()];
        }
        params.copyTo(sent);
        PartialSum sum = RoundRunner.sum(sc, data, sent, communication, workerFor);
        long reduced = System.nanoTime();

        LossSum loss = sum.lossSum();
        float[] vector = sum.vector();
        boolean finite = sum.firstNonFinite() < 0 && Double.isFinite(loss.loss())
                && FloatVectors.scaleIfFinite(vector, sign / loss.weight());
        if (!finite && config.onNonFinite() == NonFinitePolicy.FAIL) {
            throw new NonFiniteStepException(step, RoundRunner.nonFiniteMessage(step, steps, sum, config.data().train()));
        }
        double norm = Double.NaN;
        if (finite) {
            norm = params.step(vector, maxGradNorm);
        }
        sum.release();
        long end = System.nanoTime();
        long payload = (long) communication.precision().bytes() * sent.length;
        // Local mode passes both by reference; on a cluster the driver receives each slice sum once.
        long intoDriver = sc.isLocal() ? 0 : payload;
        return new RoundReport(step, steps, loss.mean(), sum.examples(), norm, learningRate, !finite, end - start,
                sum.computeNanos(), end - reduced, payload, payload, intoDriver, sum.contributors());
    }
}

package dev.sparkft.spark.driver;

import dev.sparkft.model.LossSum;
import dev.sparkft.optim.FlatParameters;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.config.TrainConfig.Communication;
import dev.sparkft.spark.config.TrainConfig.NonFinitePolicy;
import dev.sparkft.spark.executor.FloatVectors;
import dev.sparkft.spark.executor.PartialSum;
import dev.sparkft.spark.executor.PartitionState;
import dev.sparkft.spark.executor.PartitionWorker;
import dev.sparkft.spark.executor.RoundParameters;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.api.java.JavaPairRDD;
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
 *
 * <p>When partitions keep state from round to round (averaging's inner optimizer, compression's residuals), this
 * object holds it ({@link PartitionStates}: on the executors); a round that fails or is skipped leaves it as it was.
 */
final class TrainingRound implements AutoCloseable {
    private final JavaSparkContext sc;
    private final TrainConfig config;
    /** The partitions' round-to-round state, when the master keeps one or vectors are compressed; else null. */
    private PartitionStates states;
    private final boolean keepsState;
    /** The parameters as this round sends them (rounded to the wire's precision in place). */
    private float[] sent;
    private final RoundTelemetry telemetry;
    private final double flopsPerExample;
    private final PeakFlops peak;

    /**
     * {@code keepsState}: the master's workers keep state between rounds (averaging's inner optimizer);
     * {@code flopsPerExample} and {@code peak} give each round's MFU.
     */
    TrainingRound(JavaSparkContext sc, TrainConfig config, boolean keepsState, double flopsPerExample,
            PeakFlops peak) {
        this.sc = sc;
        this.flopsPerExample = flopsPerExample;
        this.peak = peak;
        this.config = config;
        this.keepsState = keepsState || config.training().communication().compression().enabled();
        this.telemetry = RoundTelemetry.register(sc.sc());
    }

    /**
     * Steps {@code [step, step + steps)}. {@code sign} turns the summed vector into the optimizer's gradient: +1
     * for a gradient sum, -1 for a delta; {@code maxGradNorm} clips it (0 = off); {@code learningRate} is reported.
     */
    RoundReport run(IndexedDataset data, FlatParameters params, long step, int steps, double sign,
            double maxGradNorm, double learningRate, Function<RoundParameters, PartitionWorker> workerFor) {
        long start = System.nanoTime();
        Communication communication = config.training().communication();
        if (sent == null || sent.length != params.size()) {
            sent = new float[params.size()];
        }
        params.copyTo(sent);
        JavaPairRDD<Long, Row> rows = data.rows();
        PartitionStates.Round[] round = new PartitionStates.Round[1];
        String what = sign > 0 ? "gradients" : steps + " local steps, parameter deltas";
        sc.setLocalProperty(RoundTelemetry.ROUND, Long.toString(step));
        PartialSum sum = SparkJobDescription.run(sc, "round " + step + ": " + what, () -> {
            if (!keepsState) {
                return RoundRunner.sum(sc, rows.getNumPartitions(), sent, communication,
                        parameters -> rows.mapPartitions(new Stateless(workerFor.apply(parameters))), sc.isLocal());
            }
            if (states == null) {
                states = PartitionStates.fresh(sc, rows.getNumPartitions());
            }
            try {
                return RoundRunner.sum(sc, rows.getNumPartitions(), sent, communication, parameters -> {
                    round[0] = states.round(rows, workerFor.apply(parameters), communication.compression());
                    return round[0].sums();
                }, sc.isLocal());
            } catch (Exception e) { // Spark's SparkException is checked, and thrown from unchecked signatures
                if (round[0] != null) {
                    states.discard(round[0]);
                }
                throw states.lost(e);
            }
        });
        sc.setLocalProperty(RoundTelemetry.ROUND, null);
        long reduced = System.nanoTime();

        LossSum loss = sum.lossSum();
        float[] vector = sum.vector();
        boolean finite = sum.firstNonFinite() < 0 && Double.isFinite(loss.loss())
                && FloatVectors.scaleIfFinite(vector, sign / loss.weight());
        if (round[0] != null) {
            // A skipped round leaves no trace: moments or residuals that saw a non-finite value are dropped.
            if (finite) {
                states.advance(round[0]);
            } else {
                states.discard(round[0]);
            }
        }
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
        // Compressed: the mean of what each contributing partition's encoding took.
        long fromWorker = communication.compression().enabled() && sum.contributors() > 0
                ? sum.compressedBytes() / sum.contributors() : payload;
        // Local mode passes both by reference; on a cluster the driver receives each slice sum once.
        long intoDriver = sc.isLocal() ? 0 : payload;
        return new RoundReport(step, steps, loss.mean(), sum.examples(), norm, learningRate, !finite, end - start,
                sum.computeNanos(), end - reduced, payload, fromWorker, intoDriver, sum.contributors(),
                Math.sqrt(sum.residualSquares()), telemetry.round(step), flopsPerExample,
                peak.flopsPerSecond());
    }

    /** Every partition's state, for a checkpoint (empty when the master keeps none or no round ran yet). */
    List<PartitionState> partitionStates(long step) {
        return states == null ? List.of() : SparkJobDescription.run(sc, "checkpoint at step " + step
                + ": partition states", () -> states.collect(config.training().communication().chunkValues()));
    }

    /** Continues from a checkpoint's partition states (none: every partition starts fresh). */
    void restore(List<PartitionState> saved) {
        if (keepsState && !saved.isEmpty()) {
            dropStates();
            states = PartitionStates.restore(sc, saved, config.training().communication().chunkValues());
        }
    }

    @Override
    public void close() {
        telemetry.close();
        dropStates();
    }

    private void dropStates() {
        if (states != null) {
            states.close();
            states = null;
        }
    }

    /** A worker run without state: every partition starts from {@link PartitionState#EMPTY} and keeps nothing. */
    private static final class Stateless implements FlatMapFunction<Iterator<Tuple2<Long, Row>>, PartialSum> {
        private static final long serialVersionUID = 1L;
        private final PartitionWorker worker;

        Stateless(PartitionWorker worker) {
            this.worker = worker;
        }

        @Override
        public Iterator<PartialSum> call(Iterator<Tuple2<Long, Row>> rows) throws Exception {
            return List.of(worker.call(rows, PartitionState.EMPTY).sum()).iterator();
        }
    }
}

package dev.sparkft.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.model.ModelEngines;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.TrainableModel;
import dev.sparkft.spark.config.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The baseline: DL4J's own Spark trainer (dl4j-spark 1.0.0-M2, ParameterAveragingTrainingMaster) in
 * local[2] on the same CNN, data and Adam: each of 2 workers takes batches of 128 (a 256-example global
 * batch per step across the two), averaging parameters and Adam state every {@value #AVERAGING} batches
 * (its default). The network is DL4J's builder for the same layers, started from SparkFT's initial weights.
 */
final class Dl4jSparkRun {
    private static final int AVERAGING = 5;

    private Dl4jSparkRun() {
    }

    static ObjectNode timeToAccuracy(Path repo, int epochs, double target) {
        TrainConfig config = BenchSetup.config(repo, Path.of("unused"));
        int perWorker = BenchSetup.GLOBAL_BATCH / BenchSetup.PARTITIONS;
        SparkConf conf = new SparkConf().setMaster("local[" + BenchSetup.PARTITIONS + "]").setAppName("dl4j-spark bench")
                .set("spark.ui.enabled", "false");
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            BenchSetup.Examples train = BenchSetup.load(spark, BenchSetup.sample(repo, "train"));
            BenchSetup.Examples test = BenchSetup.load(spark, BenchSetup.sample(repo, "test"));
            List<DataSet> batches = new ArrayList<>();
            for (int from = 0; from < train.y().length; from += perWorker) {
                batches.add(dataSet(train, from, Math.min(train.y().length, from + perWorker)));
            }
            // Not persisted here: DL4J's fit sets the storage level itself.
            JavaRDD<DataSet> rdd = sc.parallelize(batches, BenchSetup.PARTITIONS);
            MultiLayerNetwork net = network();
            ResolvedModel resolved = ModelEngines.resolve(config.model());
            try (TrainableModel ours = ModelEngines.create(resolved.architecture())) {
                if (ours.layout().size() != net.numParams()) {
                    throw new IllegalStateException("DL4J network has " + net.numParams() + " parameters, SparkFT's "
                            + ours.layout().size());
                }
                net.setParams(Nd4j.create(resolved.initialParameters()).reshape(1, net.numParams()));
            }
            ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(perWorker)
                    .batchSizePerWorker(perWorker).averagingFrequency(AVERAGING).workerPrefetchNumBatches(0)
                    .rddTrainingApproach(RDDTrainingApproach.Direct).build();
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, master);
            ObjectNode node = FoundationBench.JSON.createObjectNode();
            var accuracies = node.putArray("accuracyPerEpoch");
            double trainSeconds = 0;
            double reached = Double.NaN;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long t0 = System.nanoTime();
                sparkNet.fit(rdd);
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                double accuracy = accuracy(sparkNet.getNetwork(), test);
                accuracies.add(accuracy);
                if (Double.isNaN(reached) && accuracy >= target) {
                    reached = trainSeconds;
                    node.put("epochsToTarget", epoch);
                }
            }
            return node.put("secondsToTarget", reached);
        } finally {
            spark.stop();
        }
    }

    /** The same layers as SparkFT's DL4J cnn, with DL4J's own Adam as the updater. */
    private static MultiLayerNetwork network() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU).updater(new Adam(BenchSetup.LEARNING_RATE)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DataSet dataSet(BenchSetup.Examples e, int from, int to) {
        int n = to - from;
        int d = e.x()[0].length;
        float[] x = new float[n * d];
        float[] y = new float[n * 10];
        for (int i = 0; i < n; i++) {
            System.arraycopy(e.x()[from + i], 0, x, i * d, d);
            y[i * 10 + e.y()[from + i]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[] {n, d}, 'c'), Nd4j.create(y, new long[] {n, 10}, 'c'));
    }

    /** Test accuracy by argmax of the network's output, counted here. */
    private static double accuracy(MultiLayerNetwork net, BenchSetup.Examples test) {
        int correct = 0;
        int n = test.y().length;
        for (int from = 0; from < n; from += 500) {
            int to = Math.min(n, from + 500);
            INDArray out = net.output(dataSet(test, from, to).getFeatures(), false);
            for (int i = 0; i < to - from; i++) {
                correct += out.getRow(i).argMax().getInt(0) == test.y()[from + i] ? 1 : 0;
            }
        }
        return correct / (double) n;
    }
}

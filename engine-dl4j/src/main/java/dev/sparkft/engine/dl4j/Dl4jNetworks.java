package dev.sparkft.engine.dl4j;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Builds and initialises (seeded) the {@link MultiLayerNetwork} a {@link Dl4jNetworkConfig} describes. */
final class Dl4jNetworks {
    private Dl4jNetworks() {
    }

    static MultiLayerNetwork build(Dl4jNetworkConfig c) {
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(c.seed())
                .dataType(c.dataType().equals("double") ? DataType.DOUBLE : DataType.FLOAT)
                .weightInit(WeightInit.RELU)
                // Updates happen on the driver: DL4J's own updater and regularisation must stay inert.
                .updater(new NoOp())
                .list();
        if (c.architecture().equals("cnn")) {
            layers.layer(new ConvolutionLayer.Builder(5, 5).nOut(c.filters().get(0)).activation(Activation.RELU).build())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new ConvolutionLayer.Builder(5, 5).nOut(c.filters().get(1)).activation(Activation.RELU).build())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
        }
        for (int size : c.hidden()) {
            layers.layer(new DenseLayer.Builder().nOut(size).activation(Activation.RELU).build());
        }
        layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(c.numClasses()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
        layers.setInputType(c.architecture().equals("cnn")
                ? InputType.convolutionalFlat(c.height(), c.width(), c.channels())
                : InputType.feedForward(c.inputSize()));
        MultiLayerConfiguration conf = layers.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}

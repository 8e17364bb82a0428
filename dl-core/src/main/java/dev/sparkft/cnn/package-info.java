/**
 * Engine-neutral convolutional image classifiers with torchvision's architectures and parameter names
 * (ResNet-18/34/50, MobileNetV2): the CNN folder format ({@code config.json} + {@code model.safetensors}), the flat
 * layout, starting weights (random or a folder, driver only) and export. An engine computes them
 * ({@code dev.sparkft.engine.djl.cnn}).
 */
package dev.sparkft.cnn;

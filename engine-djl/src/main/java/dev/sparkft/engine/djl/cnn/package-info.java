/**
 * Executor side of the CNN image classifiers ({@code dev.sparkft.cnn}) on DJL's PyTorch engine: torchvision-exact
 * ResNets and MobileNetV2 composed from libtorch primitives over named parameters.
 */
package dev.sparkft.engine.djl.cnn;

/**
 * Engine-neutral BERT classifiers (driver and executor): the path-free architecture executors build from
 * ({@link dev.sparkft.bert.BertModelOptions}: config, head, the first {@code numLayers} encoder layers only, frozen
 * prefixes, precision, seed; resolved on the driver with its weights source), the flat-vector
 * layout under Hugging Face names ({@link dev.sparkft.bert.BertParameterNames}), the starting weights, read on the driver only
 * ({@link dev.sparkft.bert.BertWeightsSource}: random, ONNX file, Hugging Face folder, bundled MiniLM) and their
 * conversion to and from the flat vector ({@link dev.sparkft.bert.BertFlatVector}), and the export of a trained
 * model as a Hugging Face folder ({@link dev.sparkft.bert.BertExport}, offered to the trainer as the engine's
 * {@link dev.sparkft.model.ModelExporter} by {@link dev.sparkft.bert.BertExporter}). An engine (e.g. {@code engine.djl})
 * computes with them; nothing here references one.
 */
package dev.sparkft.bert;

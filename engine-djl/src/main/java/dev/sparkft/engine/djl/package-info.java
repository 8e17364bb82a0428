/**
 * DJL 0.35.1 PyTorch engine behind the model seam (executor side): a Hugging Face-exact BERT encoder and
 * classification heads written as functions of named parameters ({@link dev.sparkft.engine.djl.BertEncoder},
 * {@link dev.sparkft.engine.djl.BertClassifier}), the flat-vector model
 * ({@link dev.sparkft.engine.djl.DjlBertModel}) and its {@code ModelEngine} ({@code djl-pytorch}). Options,
 * layout and starting weights are the engine-neutral ones of {@code dev.sparkft.bert}.
 *
 * <p>Engine traps handled here: DJL's GradientCollector is JVM-wide and never resets gradients, so
 * {@link dev.sparkft.engine.djl.BertBackward} uses per-thread grad mode and fresh leaves per step; on CPU
 * {@code NDArray.set(direct ByteBuffer)} aliases the buffer instead of copying, which
 * {@link dev.sparkft.engine.djl.ParameterArrays} uses on purpose; every step's arrays live in a step
 * NDManager closed before the call returns.
 */
package dev.sparkft.engine.djl;

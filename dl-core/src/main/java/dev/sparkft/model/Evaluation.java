package dev.sparkft.model;

/** What evaluating a batch gives: the summed loss with its weight, and the model's outputs (e.g. logits). */
public record Evaluation(LossSum loss, Tensor outputs) {
}

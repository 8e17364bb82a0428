#!/usr/bin/env python3
"""Side-by-side timing reference for DjlBertBenchmarkTest: one fwd+bwd step (summed cross-entropy) of
transformers' BertForSequenceClassification at a given shape, batch 32 x 128, median of N steps after 2 warm-ups.

usage: bert_step_bench.py {mini|minilm} THREADS [STEPS]
"""
import statistics
import sys
import time

import torch
from transformers import BertConfig, BertForSequenceClassification

SHAPES = {"mini": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024),
          "minilm": dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536)}


def main():
    shape, threads = sys.argv[1], int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        attn_implementation="eager", **SHAPES[shape])
    model = BertForSequenceClassification(config).train()
    ids = torch.randint(0, 30522, (32, 128))
    labels = torch.randint(0, 2, (32,))
    times = []
    for i in range(steps + 2):
        t0 = time.perf_counter()
        model.zero_grad(set_to_none=True)
        logits = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids)).logits
        torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    print(f"transformers {shape} 32x128 fwd+bwd, threads {threads}: median {statistics.median(times):.3f} s/step"
          f" (min {min(times):.3f})")


if __name__ == "__main__":
    main()

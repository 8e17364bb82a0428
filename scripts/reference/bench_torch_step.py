"""Reference timing of one BERT fine-tuning step in PyTorch + transformers, to compare SparkFT's engines
against: forward, backward and AdamW on BertForSequenceClassification (2 labels) at a given shape.

  .venv/bin/python scripts/reference/bench_torch_step.py --layers 4 --hidden 256 --heads 4 --ffn 1024 \
      --batch 32 --seq 128 --threads 2 --dtype fp32

Prints one JSON line: median step seconds over --steps timed steps (after --warmup), samples/s and the
process' peak RSS. bf16 runs the forward and loss under CPU autocast (weights and optimizer stay fp32),
as torch.autocast does in mixed-precision fine-tuning.
"""
import argparse
import json
import resource

import torch
import transformers

import step_timing


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=1024)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dropout", type=float, default=0.1,
                   help="hidden and attention dropout (SparkFT's DJL engine has none: compare with 0)")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    config = transformers.BertConfig(
        vocab_size=30522, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
        intermediate_size=a.ffn, max_position_embeddings=512, num_labels=2,
        hidden_dropout_prob=a.dropout, attention_probs_dropout_prob=a.dropout)
    model = transformers.BertForSequenceClassification(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    input_ids = torch.randint(1000, config.vocab_size, (a.batch, a.seq))
    attention_mask = torch.ones(a.batch, a.seq, dtype=torch.long)
    token_type_ids = torch.zeros(a.batch, a.seq, dtype=torch.long)
    labels = torch.randint(0, 2, (a.batch,))

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.dtype == "bf16"):
            out = model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                        labels=labels)
        out.loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return out.loss.item()

    times, median = step_timing.time_steps(step, a.warmup, a.steps)
    print(json.dumps({
        "model": "BertForSequenceClassification", "layers": a.layers, "hidden": a.hidden, "heads": a.heads,
        "ffn": a.ffn, "dropout": a.dropout, "batch": a.batch, "seq": a.seq, "threads": a.threads, "dtype": a.dtype,
        "params": sum(p.numel() for p in model.parameters()),
        "median_step_s": round(median, 4), "min_step_s": round(min(times), 4), "max_step_s": round(max(times), 4),
        "samples_per_s": round(a.batch / median, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch": torch.__version__, "transformers": transformers.__version__}))


if __name__ == "__main__":
    main()

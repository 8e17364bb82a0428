"""Reference timing of one CNN training step in PyTorch 2.13 eager, for docs/benchmarks.md next to SparkFT's CNN
engine: forward, cross-entropy, backward, AdamW step, zero_grad(set_to_none=True) on the hand-written torchvision
networks of cnn_models.py (the same architecture as torchvision's).

  .venv/bin/python scripts/reference/cnn_train_bench.py [--threads 2] [--batch 32] [--warmup 3] [--steps 10]
      [--bn batch|eval] [--channels-last] [--cases resnet18@64,resnet18@224,mobilenet_v2@224] [--dtypes fp32,bf16]

Each (case, dtype) runs in a child process of its own, so its peak RSS (getrusage ru_maxrss) is its own; one JSON
line per case: every timed step's seconds, the median, samples/s, peak RSS and the load average before the run
(the timings are only as quiet as the machine). bf16 is torch.autocast("cpu", bfloat16) around the forward and
loss, weights and AdamW in fp32, as mixed-precision training does. --bn batch (default) trains the batch norms
in train mode (batch statistics, PyTorch's usual training); --bn eval uses the running statistics (SparkFT's
default fine-tuning mode). Inputs are fixed random 3xSxS images, 1000 classes unless --classes.
"""
import argparse
import json
import os
import resource
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import cnn_models
import step_timing


def one_case(a):
    arch, size = a.case.split("@")
    size = int(size)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = cnn_models.build({"architecture": arch, "num_classes": a.classes, "image_size": [3, size, size]})
    model.init_torchvision()
    model.eval()  # dropout off (SparkFT's engine has none); batch norms per --bn
    if a.bn == "batch":
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.train()
    x = torch.randn(a.batch, 3, size, size)
    y = torch.randint(0, a.classes, (a.batch,))
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.dtype == "bf16"):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    times, median = step_timing.time_steps(step, a.warmup, a.steps)
    print(json.dumps({
        "model": arch, "input": [3, size, size], "batch": a.batch, "classes": a.classes, "dtype": a.dtype,
        "bn": a.bn, "channels_last": a.channels_last, "threads": a.threads, "warmup": a.warmup,
        "params": sum(p.numel() for p in model.parameters()),
        "step_s": [round(t, 4) for t in times], "median_step_s": round(median, 4),
        "samples_per_s": round(a.batch / median, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_avg_before": a.load_before, "torch": torch.__version__}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--bn", choices=["batch", "eval"], default="batch")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--cases", default="resnet18@64,resnet18@224,mobilenet_v2@224")
    p.add_argument("--dtypes", default="fp32,bf16")
    p.add_argument("--case", help=argparse.SUPPRESS)  # set in the child process
    p.add_argument("--dtype", help=argparse.SUPPRESS)
    p.add_argument("--load-before", type=float, nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.case:
        return one_case(a)
    status = 0
    for case in a.cases.split(","):
        arch, _, size = case.partition("@")
        if arch not in cnn_models.ARCHITECTURES or not size.isdigit():
            raise SystemExit(f"--cases: '{case}' is not ARCH@SIZE with ARCH in {cnn_models.ARCHITECTURES}")
        for dtype in a.dtypes.split(","):
            if dtype not in ("fp32", "bf16"):
                raise SystemExit(f"--dtypes: '{dtype}' is not fp32 or bf16")
            child = [sys.executable, os.path.abspath(__file__), "--case", case, "--dtype", dtype,
                     "--threads", str(a.threads), "--batch", str(a.batch), "--classes", str(a.classes),
                     "--warmup", str(a.warmup), "--steps", str(a.steps), "--bn", a.bn,
                     "--load-before", *[f"{v:.2f}" for v in os.getloadavg()]]
            if a.channels_last:
                child.append("--channels-last")
            status |= subprocess.run(child).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Independent PyTorch reference for the CNN engine's forward and backward (dev.sparkft.engine.djl.cnn), on the
hand-written torchvision networks of cnn_models.py. Java tests call it through PythonReference.

  cnn_reference.py run FOLDER BATCH OUT [--mode eval_bn|batch_bn] [--dtype float32|float64] [--threads N]
      FOLDER  a CNN folder (config.json + model.safetensors), loaded with load_state_dict(strict=True)
      BATCH   safetensors with `pixels` [n, C, H, W] (U8, or integral values 0..255 in any dtype) and
              `labels` [n] (I64, I32, or integral floats)
      OUT     safetensors, all F32 (also after a float64 run: the Java reader takes F32):
                logits [n, classes], loss_sum [] (cross-entropy summed over the batch),
                grad.<parameter name> (gradient of loss_sum) for every parameter,
                and in batch_bn mode every BN's <name>.running_mean / <name>.running_var after the forward.
      eval_bn   BN normalises with the running statistics (the default fine-tuning mode; its affine weights
                still get gradients).
      batch_bn  BN in train mode: batch statistics, running stats updated once with momentum 0.1 and the
                unbiased batch variance, as PyTorch does. Dropout stays off in both modes.

  cnn_reference.py init FOLDER [--seed S]
      Writes FOLDER/model.safetensors (fp32, torchvision names, no num_batches_tracked) for FOLDER/config.json:
      torchvision's init (kaiming normal fan_out convs), then non-trivial batch norms: affine weight U(0.7, 1.3),
      bias N(0, 0.1), running stats measured on one seeded random N(0, 1) batch of 8 (so activations keep
      a sane scale in eval mode), then perturbed (mean + 0.1 std N(0, 1), var x U(0.7, 1.4)).
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

import cnn_models


def save_atomically(tensors, path):
    tmp = path + ".tmp"
    save_file(tensors, tmp)
    os.replace(tmp, path)


def bn_modules(model):
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]


def run(args):
    torch.set_num_threads(args.threads)
    model, config = cnn_models.load_folder(args.folder)
    pixels, labels = cnn_models.read_batch(args.batch, config)

    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    model = model.to(dtype).eval()  # eval: dropout off
    if args.mode == "batch_bn":
        for _, m in bn_modules(model):
            m.train()
    model.zero_grad(set_to_none=True)
    logits = model(cnn_models.preprocess(pixels, config, dtype))
    loss = F.cross_entropy(logits, labels, reduction="sum")
    loss.backward()

    out = {"logits": logits.detach(), "loss_sum": loss.detach()}
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad
    if args.mode == "batch_bn":
        for name, m in bn_modules(model):
            out[name + ".running_mean"] = m.running_mean
            out[name + ".running_var"] = m.running_var
    save_atomically({k: v.detach().float().contiguous() for k, v in out.items()}, args.out)
    print(f"{config['architecture']} {args.mode} {args.dtype}: batch {list(pixels.shape)}, "
          f"loss_sum {loss.item():.6f}, max |logit| {logits.abs().max().item():.4f}, wrote {args.out}")


def init(args):
    config = cnn_models.read_config(args.folder)
    torch.manual_seed(args.seed)
    model = cnn_models.build(config)
    model.init_torchvision()
    bns = bn_modules(model)
    with torch.no_grad():
        for _, m in bns:
            m.weight.uniform_(0.7, 1.3)
            m.bias.normal_(0, 0.1)
            m.momentum = None  # cumulative average: after one batch the running stats are that batch's
        model.eval()
        for _, m in bns:
            m.train()
        c, h, w = config.get("image_size", [3, 224, 224])
        model(torch.randn(8, c, h, w))
        for _, m in bns:
            m.momentum = 0.1
            m.running_mean += 0.1 * m.running_var.sqrt() * torch.randn_like(m.running_mean)
            m.running_var *= torch.empty_like(m.running_var).uniform_(0.7, 1.4)
    path = os.path.join(args.folder, "model.safetensors")
    state = cnn_models.state_dict_for_folder(model)
    save_atomically(state, path)
    print(f"{config['architecture']} seed {args.seed}: {len(state)} tensors, "
          f"{sum(p.numel() for p in model.parameters())} parameters, wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="logits, summed loss, gradients (and BN running stats) of one batch")
    r.add_argument("folder")
    r.add_argument("batch")
    r.add_argument("out")
    r.add_argument("--mode", choices=["eval_bn", "batch_bn"], default="eval_bn")
    r.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    r.add_argument("--threads", type=int, default=1)
    i = sub.add_parser("init", help="seeded random weights for FOLDER/config.json")
    i.add_argument("folder")
    i.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run(args) if args.command == "run" else init(args)


if __name__ == "__main__":
    sys.exit(main())

"""The PyTorch side of the Fashion-MNIST ResNet recipe (issue 17): the same network (cnn_models.py, torchvision's
ResNet), the same full split (60,000 train / 10,000 test from the IDX files scripts/fetch-fashion-mnist.sh
fetches), trained here in plain PyTorch eager, so the platform's accuracy can be put next to it.

  .venv/bin/python scripts/reference/fashion_mnist_torch.py [--data DIR] [--arch resnet18] [--size 32]
      [--stem small|imagenet] [--channels 3] [--epochs 10] [--batch 128] [--lr 2e-3] [--weight-decay 0.05] [--decay all|weights]
      [--schedule cosine|linear] [--warmup-steps 100] [--bn batch|eval] [--flip] [--seed 0] [--threads 2]
      [--train-limit N] [--test-limit N] [--save FOLDER]

Images: 28x28 uint8, resized once to SIZExSIZE (bilinear, rounded back to uint8, as a prepared Parquet image set
holds them), the grey channel repeated to --channels, then (x/255 - 0.2860)/0.3530 (the training set's mean
and std). Optimiser: AdamW (weight decay on every parameter, or with --decay weights on conv/linear weights only), learning rate with linear warm-up then cosine or
linear decay to 0, per step. --bn batch (default) trains with batch statistics (BN in train mode), which training
from random initialisation needs; --bn eval normalises with the running statistics (SparkFT's fine-tuning
default; from random init these are mean 0, var 1, so BN is then a plain affine map). Evaluation always uses the
running statistics. --flip adds random horizontal flips (seeded). One JSON line per epoch on stdout (train loss
and accuracy, test accuracy, seconds); progress every --log-every steps on stderr. --save writes the final
network as a SparkFT CNN folder (config.json + model.safetensors).
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

import cnn_models

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
MEAN, STD = 0.2860, 0.3530
DEFAULT_DIRS = [os.path.expanduser("~/sparkft-data/fashion-mnist/raw"), "/usr/share/datasets/fashion-mnist"]


def read_idx(path, magic):
    """An IDX file (gzip'd or not) as a numpy uint8 array; a one-line error if it is not the expected kind."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or int.from_bytes(data[:4], "big") != magic:
        raise SystemExit(f"{path}: not an IDX file with magic {magic:#x} (images 0x803, labels 0x801)")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims))
    if body.size != math.prod(dims):
        raise SystemExit(f"{path}: header says {dims}, file holds {body.size} values")
    return body.reshape(dims)


def find_file(dirs, name):
    for d in dirs:
        for candidate in (os.path.join(d, name + ".gz"), os.path.join(d, name)):
            if os.path.isfile(candidate):
                return candidate
    raise SystemExit(f"{name}(.gz) not found in {', '.join(dirs)}: run scripts/fetch-fashion-mnist.sh or pass --data")


def load_split(dirs, prefix, size, limit):
    images = read_idx(find_file(dirs, f"{prefix}-images-idx3-ubyte"), 0x803)
    labels = read_idx(find_file(dirs, f"{prefix}-labels-idx1-ubyte"), 0x801)
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.copy()).unsqueeze(1)  # [n, 1, 28, 28] uint8
    if size != x.shape[-1]:
        resized = [F.interpolate(chunk.float(), size=(size, size), mode="bilinear", align_corners=False)
                   for chunk in x.split(5000)]
        x = torch.cat(resized).round().clamp(0, 255).to(torch.uint8)
    return x, torch.from_numpy(labels.astype(np.int64))


def to_input(pixels, channels, channels_last):
    x = ((pixels.float() / 255 - MEAN) / STD).expand(-1, channels, -1, -1)
    return x.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def learning_rate(a, step, total):
    if step < a.warmup_steps:
        return a.lr * (step + 1) / a.warmup_steps
    progress = (step - a.warmup_steps) / max(1, total - a.warmup_steps)
    return a.lr * (0.5 * (1 + math.cos(math.pi * progress)) if a.schedule == "cosine" else 1 - progress)


def evaluate(model, x, y, a):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), 500):
            logits = model(to_input(x[i:i + 500], a.channels, a.channels_last))
            correct += (logits.argmax(1) == y[i:i + 500]).sum().item()
    return correct / len(y)


def set_bn_mode(model, bn):
    model.eval()  # dropout off (MobileNetV2); ResNet has none
    if bn == "batch":
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.train()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="folder with the four IDX files (default: " + ", then ".join(DEFAULT_DIRS) + ")")
    p.add_argument("--arch", default="resnet18", choices=cnn_models.ARCHITECTURES)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--stem", default="small", choices=["small", "imagenet"])
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--decay", default="all", choices=["all", "weights"],
                   help="weights: decay only convolution and linear weights, as SparkFT's CNN layout does")
    p.add_argument("--schedule", default="cosine", choices=["cosine", "linear"])
    p.add_argument("--warmup-steps", type=int, default=100)
    p.add_argument("--bn", default="batch", choices=["batch", "eval"])
    p.add_argument("--flip", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--train-limit", type=int, default=0, help="first N training images only (0: all)")
    p.add_argument("--test-limit", type=int, default=0, help="first N test images only (0: all)")
    p.add_argument("--max-steps", type=int, default=0, help="stop after N steps (a timing run; 0: all)")
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--save", help="write the final network as a SparkFT CNN folder here")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dirs = [a.data] if a.data else DEFAULT_DIRS
    t0 = time.perf_counter()
    train_x, train_y = load_split(dirs, "train", a.size, a.train_limit)
    test_x, test_y = load_split(dirs, "t10k", a.size, a.test_limit)
    config = {"model_type": "sparkft-cnn", "architecture": a.arch, "num_classes": 10, "class_names": CLASSES,
              "image_size": [a.channels, a.size, a.size], "mean": [MEAN] * a.channels, "std": [STD] * a.channels,
              "batch_norm_eps": 1e-5, "padding": "symmetric", "stem": a.stem}
    model = cnn_models.build(config)
    model.init_torchvision()
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if a.decay == "weights":  # SparkFT decays conv/linear weights only, never biases or batch-norm parameters
        decayed = [q for q in model.parameters() if q.dim() > 1]
        rest = [q for q in model.parameters() if q.dim() <= 1]
        groups = [{"params": decayed}, {"params": rest, "weight_decay": 0.0}]
    else:
        groups = model.parameters()
    optimizer = torch.optim.AdamW(groups, lr=a.lr, weight_decay=a.weight_decay)
    steps_per_epoch = math.ceil(len(train_y) / a.batch)
    total = steps_per_epoch * a.epochs
    shuffle = torch.Generator().manual_seed(a.seed)
    print(json.dumps({"recipe": vars(a), "train": len(train_y), "test": len(test_y), "steps_per_epoch": steps_per_epoch,
                      "params": sum(q.numel() for q in model.parameters()),
                      "load_seconds": round(time.perf_counter() - t0, 1), "load_avg": os.getloadavg(),
                      "torch": torch.__version__}), flush=True)

    step = 0
    for epoch in range(1, a.epochs + 1):
        set_bn_mode(model, a.bn)
        order = torch.randperm(len(train_y), generator=shuffle)
        start, loss_sum, correct, seen = time.perf_counter(), 0.0, 0, 0
        for i in range(0, len(order), a.batch):
            idx = order[i:i + a.batch]
            pixels, labels = train_x[idx], train_y[idx]
            if a.flip:
                flip = torch.rand(len(idx), generator=shuffle) < 0.5
                pixels = torch.where(flip.view(-1, 1, 1, 1), pixels.flip(-1), pixels)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(a, step, total)
            logits = model(to_input(pixels, a.channels, a.channels_last))
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == labels).sum().item()
            seen += len(idx)
            if a.log_every and step % a.log_every == 0:
                elapsed = time.perf_counter() - start
                print(json.dumps({"epoch": epoch, "step": step, "seen": seen, "train_loss": round(loss_sum / seen, 4),
                                  "elapsed_s": round(elapsed, 1), "s_per_step": round(elapsed / (step - (epoch - 1)
                                  * steps_per_epoch), 4), "load_avg": os.getloadavg()}), file=sys.stderr, flush=True)
            if a.max_steps and step >= a.max_steps:
                break
        train_seconds = time.perf_counter() - start
        t1 = time.perf_counter()
        accuracy = evaluate(model, test_x, test_y, a)
        print(json.dumps({"epoch": epoch, "steps": step, "train_loss": round(loss_sum / seen, 4),
                          "train_accuracy": round(correct / seen, 4), "test_accuracy": round(accuracy, 4),
                          "train_seconds": round(train_seconds, 1), "eval_seconds": round(time.perf_counter() - t1, 1),
                          "load_avg": os.getloadavg()}), flush=True)
        if a.max_steps and step >= a.max_steps:
            break

    if a.save:
        os.makedirs(a.save, exist_ok=True)
        save_file(cnn_models.state_dict_for_folder(model), os.path.join(a.save, "model.safetensors.tmp"))
        os.replace(os.path.join(a.save, "model.safetensors.tmp"), os.path.join(a.save, "model.safetensors"))
        with open(os.path.join(a.save, "config.json.tmp"), "w") as f:
            json.dump(config, f, indent=2)
        os.replace(os.path.join(a.save, "config.json.tmp"), os.path.join(a.save, "config.json"))


if __name__ == "__main__":
    main()

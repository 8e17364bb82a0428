"""FLOPs of CNN classifiers per image, counted by PyTorch's FlopCounterMode.

    cnn_flops.py CASES.json OUT.json

CASES.json: a list of cases, each either
  {"kind": "cnn", "config": {a SparkFT CNN config.json: architecture, num_classes, image_size, padding, stem,
   head (optional: [{name, in_features, out_features, activation}])}, "freeze": [name prefixes]}   -- cnn_models.py's networks
  {"kind": "dl4j", "architecture": "mlp" | "cnn", "image_size": [C, H, W], "hidden": [...], "filters": [f1, f2],
   "classes": N}   -- the LeNet-style / MLP networks of SparkFT's DL4J engine, rebuilt in PyTorch
OUT.json: per case {forward, training, training_torch} FLOPs per image (batch of 2, divided by 2), and
"parameters", the network's parameter count (batch-norm buffers aside), which ties the rebuilt network to the one
SparkFT builds. Training is one forward and one backward pass; the images and frozen parameters need no gradient.

FlopCounterMode counts a grouped convolution's weight gradient as if the convolution were dense (its formula takes
the input's full channel count, ignoring groups): "training_torch" is its raw total, "training" the same count with
that one formula corrected to divide by the groups. For networks without grouped convolutions they are equal.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode, conv_flop_count, get_shape

import cnn_models

aten = torch.ops.aten


def grouped_conv_backward(grad_out_shape, x_shape, w_shape, _bias, _stride, _padding, _dilation, transposed,
                          _output_padding, groups, output_mask, out_shape, **kwargs):
    """torch's convolution_backward formula with the weight gradient divided by the groups."""
    assert not transposed
    count = 0
    if output_mask[0]:
        count += conv_flop_count(grad_out_shape, w_shape, get_shape(out_shape[0]), True)
    if output_mask[1]:
        t = lambda s: [s[1], s[0]] + list(s[2:])
        count += conv_flop_count(t(x_shape), t(grad_out_shape), t(get_shape(out_shape[1]))) // groups
    return count


class Dl4jNet(nn.Module):
    """DL4J's LeNet-style network: 5x5 valid convs with bias, 2x2/2 max-pools, dense layers, output layer."""

    def __init__(self, case):
        super().__init__()
        c, h, w = case["image_size"]
        self.convs = nn.ModuleList()
        if case["architecture"] == "cnn":
            for f in case["filters"]:
                self.convs.append(nn.Conv2d(c, f, 5))
                c, h, w = f, (h - 4) // 2, (w - 4) // 2
        sizes = [c * h * w] + case["hidden"] + [case["classes"]]
        self.dense = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.shape = case["image_size"]

    def forward(self, x):
        for conv in self.convs:
            x = F.max_pool2d(F.relu(conv(x)), 2)
        x = torch.flatten(x, 1)
        for i, layer in enumerate(self.dense):
            x = layer(x)
            x = F.relu(x) if i < len(self.dense) - 1 else x
        return x


def build(case):
    if case["kind"] == "dl4j":
        return Dl4jNet(case), case["image_size"]
    config = case["config"]
    model = cnn_models.build(config)
    if config.get("head"):
        layers = []
        for layer in config["head"]:
            linear = nn.Linear(layer["in_features"], layer["out_features"])
            layers.append(linear)
            if layer["activation"] == "relu":
                layers.append(nn.ReLU())
        head = nn.Sequential(*layers)
        if isinstance(model, cnn_models.MobileNetV2):
            model.classifier = head
        else:
            model.fc = head
    for name, parameter in model.named_parameters():
        if any(name.startswith(prefix) for prefix in case.get("freeze", [])):
            parameter.requires_grad_(False)
    return model, config["image_size"]


def count(case):
    model, shape = build(case)
    batch = 2
    images = torch.randn(batch, *shape)
    with FlopCounterMode(display=False) as counter:
        with torch.no_grad():
            model(images)
    forward = counter.get_total_flops() / batch
    totals = []
    for mapping in ({}, {aten.convolution_backward: grouped_conv_backward}):
        with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
            model(images).sum().backward()
        totals.append(counter.get_total_flops() / batch)
    parameters = sum(p.numel() for p in model.parameters())
    return {"forward": forward, "training_torch": totals[0], "training": totals[1], "parameters": parameters}


def main(cases_path, out_path):
    with open(cases_path) as f:
        cases = json.load(f)
    with open(out_path, "w") as f:
        json.dump([count(c) for c in cases], f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

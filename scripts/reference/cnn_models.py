"""Independent PyTorch reference for the CNN engine (dev.sparkft.engine.djl.cnn): ResNet-18/34/50 and
MobileNetV2, written by hand in plain PyTorch (no torchvision: its wheels on the local index do not load against
the CPU torch 2.13) after torchvision's published architecture, with its exact parameter and buffer names, so a
torchvision state_dict loads with load_state_dict(strict=True) and ours loads into torchvision.

Built from a SparkFT CNN folder's config.json:
  architecture    "resnet18" | "resnet34" | "resnet50" | "mobilenet_v2"
  num_classes     size of fc / classifier.1
  image_size      [C, H, W]; C is the stem's input channels
  mean, std       per channel, for preprocess()
  batch_norm_eps  every BatchNorm2d's eps (torchvision 1e-5; Keras/TF.js MobileNetV2 1e-3)
  padding         "symmetric" (torchvision: k//2 on every side) or "tf_same" (TensorFlow SAME, from the input
                  size at run time: total = max((ceil(in/s)-1)*s + k - in, 0), total//2 before, the rest after;
                  for a 3x3 stride-2 conv on an even size that is 0 before, 1 after). In tf_same mode the ResNet
                  max-pool pads the same way, with -inf.
  stem            "imagenet" (default) or "small" (28-64 px inputs): ResNet conv1 becomes 3x3 stride 1 pad 1
                  and the max-pool goes; MobileNetV2's features.0 gets stride 1. Parameter names do not change.

Functions: build(config) -> nn.Module, load_folder(path) -> (module, config), preprocess(uint8, config).
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file

# NNPACK cannot start on these CPUs and says so on stderr for every convolution it is offered (float64 ones):
# off, so the reference's output stays readable; oneDNN/native kernels do the work either way.
torch.backends.nnpack.set_flags(False)

ARCHITECTURES = ("resnet18", "resnet34", "resnet50", "mobilenet_v2")


def tf_same_pads(size, kernel, stride):
    """(before, after) padding of TensorFlow's SAME for one spatial dimension (dilation 1)."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv(nn.Conv2d):
    """nn.Conv2d (same parameter names) whose padding is either torchvision's k//2 or TensorFlow SAME."""

    def __init__(self, cin, cout, kernel, stride=1, groups=1, tf_same=False, bias=False):
        super().__init__(cin, cout, kernel, stride, 0 if tf_same else kernel // 2, groups=groups, bias=bias)
        self.tf_same = tf_same

    def forward(self, x):
        if self.tf_same:
            k, s = self.kernel_size, self.stride
            top, bottom = tf_same_pads(x.shape[2], k[0], s[0])
            left, right = tf_same_pads(x.shape[3], k[1], s[1])
            x = F.pad(x, (left, right, top, bottom))
        return super().forward(x)


class MaxPool(nn.Module):
    """ResNet's 3x3/2 max-pool: padding 1 (torchvision) or SAME with -inf (tf_same)."""

    def __init__(self, tf_same):
        super().__init__()
        self.tf_same = tf_same

    def forward(self, x):
        if not self.tf_same:
            return F.max_pool2d(x, 3, 2, 1)
        top, bottom = tf_same_pads(x.shape[2], 3, 2)
        left, right = tf_same_pads(x.shape[3], 3, 2)
        return F.max_pool2d(F.pad(x, (left, right, top, bottom), value=-math.inf), 3, 2, 0)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride, downsample, eps, tf_same):
        super().__init__()
        self.conv1 = Conv(cin, planes, 3, stride, tf_same=tf_same)
        self.bn1 = nn.BatchNorm2d(planes, eps=eps)
        self.conv2 = Conv(planes, planes, 3, 1, tf_same=tf_same)
        self.bn2 = nn.BatchNorm2d(planes, eps=eps)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    """torchvision's ResNet v1.5 bottleneck: the stride sits on the 3x3 conv (conv2)."""
    expansion = 4

    def __init__(self, cin, planes, stride, downsample, eps, tf_same):
        super().__init__()
        self.conv1 = Conv(cin, planes, 1, tf_same=tf_same)
        self.bn1 = nn.BatchNorm2d(planes, eps=eps)
        self.conv2 = Conv(planes, planes, 3, stride, tf_same=tf_same)
        self.bn2 = nn.BatchNorm2d(planes, eps=eps)
        self.conv3 = Conv(planes, planes * 4, 1, tf_same=tf_same)
        self.bn3 = nn.BatchNorm2d(planes * 4, eps=eps)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


RESNETS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
           "resnet50": (Bottleneck, [3, 4, 6, 3])}


class ResNet(nn.Module):
    def __init__(self, arch, num_classes, in_channels=3, eps=1e-5, tf_same=False, small_stem=False):
        super().__init__()
        block, counts = RESNETS[arch]
        if small_stem:
            self.conv1 = Conv(in_channels, 64, 3, 1, tf_same=tf_same)
        else:
            self.conv1 = Conv(in_channels, 64, 7, 2, tf_same=tf_same)
        self.bn1 = nn.BatchNorm2d(64, eps=eps)
        self.maxpool = None if small_stem else MaxPool(tf_same)
        cin = 64
        for i, (planes, count) in enumerate(zip([64, 128, 256, 512], counts)):
            blocks = []
            for j in range(count):
                stride = 2 if i > 0 and j == 0 else 1
                downsample = None
                if j == 0 and (stride != 1 or cin != planes * block.expansion):
                    downsample = nn.Sequential(Conv(cin, planes * block.expansion, 1, stride, tf_same=tf_same),
                                               nn.BatchNorm2d(planes * block.expansion, eps=eps))
                blocks.append(block(cin, planes, stride, downsample, eps, tf_same))
                cin = planes * block.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def init_torchvision(self):
        """torchvision's ResNet init: kaiming normal (fan_out, relu) convs, BN weight 1 bias 0, fc as nn.Linear."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)


def conv_bn_relu6(cin, cout, kernel, stride, groups, eps, tf_same):
    """torchvision's Conv2dNormActivation: children 0 (conv), 1 (BN), 2 (ReLU6)."""
    return nn.Sequential(Conv(cin, cout, kernel, stride, groups, tf_same), nn.BatchNorm2d(cout, eps=eps),
                         nn.ReLU6())


class InvertedResidual(nn.Module):
    """conv = [expand 1x1 (only if t != 1)], depthwise 3x3, project 1x1, BN: for t == 1 the names are
    conv.0.0/conv.0.1 (depthwise), conv.1 (project), conv.2 (BN); for t > 1 conv.0.* (expand), conv.1.*
    (depthwise), conv.2 (project), conv.3 (BN)."""

    def __init__(self, cin, cout, stride, expand, eps, tf_same):
        super().__init__()
        hidden = int(round(cin * expand))
        self.use_res_connect = stride == 1 and cin == cout
        layers = []
        if expand != 1:
            layers.append(conv_bn_relu6(cin, hidden, 1, 1, 1, eps, tf_same))
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, hidden, eps, tf_same),
                   Conv(hidden, cout, 1, tf_same=tf_same), nn.BatchNorm2d(cout, eps=eps)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


# torchvision's MobileNetV2 table (width 1.0): expand ratio t, output channels c, repeats n, first stride s.
MOBILENET_V2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1)]


class MobileNetV2(nn.Module):
    def __init__(self, num_classes, in_channels=3, eps=1e-5, tf_same=False, small_stem=False, dropout=0.2):
        super().__init__()
        features = [conv_bn_relu6(in_channels, 32, 3, 1 if small_stem else 2, 1, eps, tf_same)]
        cin = 32
        for t, c, n, s in MOBILENET_V2:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t, eps, tf_same))
                cin = c
        features.append(conv_bn_relu6(cin, 1280, 1, 1, 1, eps, tf_same))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(1280, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))

    def init_torchvision(self):
        """torchvision's MobileNetV2 init: kaiming normal (fan_out) convs, BN 1/0, Linear N(0, 0.01) bias 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)


def build(config):
    """The network a config.json (dict) describes, in train mode, with PyTorch's default init."""
    arch = config.get("architecture")
    if arch not in ARCHITECTURES:
        raise ValueError(f"config.json: architecture '{arch}' is not one of {', '.join(ARCHITECTURES)}")
    padding = config.get("padding", "symmetric")
    if padding not in ("symmetric", "tf_same"):
        raise ValueError(f"config.json: padding '{padding}' must be 'symmetric' or 'tf_same'")
    stem = config.get("stem", "imagenet")
    if stem not in ("imagenet", "small"):
        raise ValueError(f"config.json: stem '{stem}' must be 'imagenet' or 'small'")
    if not isinstance(config.get("num_classes"), int) or config["num_classes"] < 1:
        raise ValueError(f"config.json: num_classes must be a positive integer, found {config.get('num_classes')}")
    options = dict(in_channels=int(config.get("image_size", [3])[0]), eps=float(config.get("batch_norm_eps", 1e-5)),
                   tf_same=padding == "tf_same", small_stem=stem == "small")
    if arch == "mobilenet_v2":
        return MobileNetV2(config["num_classes"], **options)
    return ResNet(arch, config["num_classes"], **options)


def read_config(folder):
    path = os.path.join(folder, "config.json")
    if not os.path.isfile(path):
        raise SystemExit(f"{path}: no config.json (a SparkFT CNN folder needs config.json and model.safetensors)")
    with open(path) as f:
        return json.load(f)


def load_folder(folder):
    """(module in eval mode, config) from a CNN folder; load_state_dict(strict=True), so every parameter and
    running statistic must be present under torchvision's names and nothing else (num_batches_tracked, which
    the format omits, is accepted either way)."""
    config = read_config(folder)
    model = build(config)
    path = os.path.join(folder, "model.safetensors")
    if not os.path.isfile(path):
        raise SystemExit(f"{path}: missing (write it with cnn_reference.py init, or export the model)")
    state = {k: v.float() for k, v in load_file(path).items()}
    for key, value in model.state_dict().items():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros_like(value)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise SystemExit(f"{path} does not fit a {config['architecture']} built from config.json: {e}")
    return model.eval(), config


def preprocess(pixels, config, dtype=torch.float32):
    """uint8 [n, C, H, W] -> (x/255 - mean)/std per channel, in dtype."""
    if pixels.dim() != 4:
        raise ValueError(f"pixels must be [n, C, H, W], found shape {list(pixels.shape)}")
    c = pixels.shape[1]
    mean = torch.tensor(config.get("mean", [0.0] * c), dtype=dtype).view(1, c, 1, 1)
    std = torch.tensor(config.get("std", [1.0] * c), dtype=dtype).view(1, c, 1, 1)
    return (pixels.to(dtype) / 255 - mean) / std


def integral(tensor, name, path, low, high):
    """A batch tensor as int64, or a one-line error naming the file and what is wrong."""
    if tensor.is_floating_point() and not torch.equal(tensor, tensor.round()):
        raise SystemExit(f"{path}: '{name}' holds non-integral values; write it as U8/I64 or whole numbers")
    values = tensor.to(torch.int64)
    if values.numel() and (values.min() < low or values.max() > high):
        raise SystemExit(f"{path}: '{name}' holds values in [{values.min()}, {values.max()}], "
                         f"outside [{low}, {high}]")
    return values


def read_batch(path, config, labels=True):
    """(pixels int64 [n, C, H, W], labels int64 [n] or None) from a safetensors file with `pixels` (U8, or whole
    numbers 0..255 in any dtype, since the Java writer writes floats) and `labels` (I64/I32/whole floats)."""
    batch = load_file(path)
    for key in ("pixels", "labels") if labels else ("pixels",):
        if key not in batch:
            raise SystemExit(f"{path}: no tensor '{key}' (found {sorted(batch)})")
    pixels = integral(batch["pixels"], "pixels", path, 0, 255)
    expected = config.get("image_size")
    if pixels.dim() != 4 or (expected and list(pixels.shape[1:]) != list(expected)):
        want = ", ".join(map(str, expected or ["C", "H", "W"]))
        raise SystemExit(f"{path}: pixels have shape {list(pixels.shape)}, config.json's image_size wants [n, {want}]")
    if not labels:
        return pixels, None
    ys = integral(batch["labels"], "labels", path, 0, config["num_classes"] - 1)
    if ys.shape != (pixels.shape[0],):
        raise SystemExit(f"{path}: labels have shape {list(ys.shape)}, need [{pixels.shape[0]}]")
    return pixels, ys


def state_dict_for_folder(model):
    """fp32 state_dict as the folder format stores it: num_batches_tracked left out."""
    return {k: v.detach().float().contiguous() for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}

"""Checks a CNN folder imported from nsfwjs's TensorFlow.js MobileNetV2 (sparkft import-tfjs) against TF.js's own
logits on the same images (scripts/reference/tfjs_logits.js; the committed fixture is
dl-core/src/test/resources/tfjs/nsfwjs_mobilenet_v2/).

    python scripts/reference/check_tfjs_import.py FOLDER IMAGES.u8.gz TFJS_LOGITS.json [--tolerance 1e-4]

The backbone is cnn_models.py's hand-written torchvision MobileNetV2 (TF SAME padding, the folder's batch-norm
eps and mean/std), loaded with load_state_dict(strict=True) on the 'features.' tensors. nsfwjs's head is not
torchvision's classifier.1 but three Dense layers (config.json's "head": Linear + activation each, the last one's
softmax left out, so the output is logits); with a single classifier.1 the whole module is loaded strictly instead.
Prints the max abs difference of the logits (fp32, and fp64 for scale) and exits 1 above the tolerance.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn_models  # noqa: E402


def network(folder):
    """(forward(pixels uint8 tensor, dtype) -> logits, config) for the imported folder."""
    config = cnn_models.read_config(folder)
    state = {k: v.float() for k, v in load_file(os.path.join(folder, "model.safetensors")).items()}
    head = config.get("head")
    if head is None:
        model, config = cnn_models.load_folder(folder)
        return (lambda x, dtype: model.to(dtype)(x)), config
    model = cnn_models.build(config)
    features = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
    for key, value in model.features.state_dict().items():
        if key.endswith("num_batches_tracked"):
            features[key] = torch.zeros_like(value)
    model.features.load_state_dict(features, strict=True)
    model.eval()
    names = [layer["name"] for layer in head]
    extra = sorted(set(state) - set(k for k in state if k.startswith("features."))
                   - {f"{n}.{p}" for n in names for p in ("weight", "bias")})
    if extra:
        raise SystemExit(f"{folder}: tensors {extra} are neither features.* nor the head's")

    def forward(x, dtype):
        model.to(dtype)
        with torch.no_grad():
            h = torch.flatten(F.adaptive_avg_pool2d(model.features(x), 1), 1)
            for i, layer in enumerate(head):
                w = state[layer["name"] + ".weight"].to(dtype)
                b = state[layer["name"] + ".bias"].to(dtype)
                if list(w.shape) != [layer["out_features"], layer["in_features"]]:
                    raise SystemExit(f"{folder}: {layer['name']}.weight has shape {list(w.shape)}, config.json says "
                                     f"[{layer['out_features']}, {layer['in_features']}]")
                h = F.linear(h, w, b)
                act = layer["activation"]
                if act == "relu":
                    h = F.relu(h)
                elif act == "softmax" and i != len(head) - 1:
                    raise SystemExit(f"{folder}: softmax on {layer['name']}, which is not the last layer")
                elif act not in ("linear", "softmax"):
                    raise SystemExit(f"{folder}: activation '{act}' of {layer['name']} is not relu/linear/softmax")
        return h

    return forward, config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("images")
    parser.add_argument("logits")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    forward, config = network(args.folder)
    c, h, w = config["image_size"]
    raw = np.frombuffer(gzip.open(args.images).read(), dtype=np.uint8)
    if raw.size % (c * h * w):
        raise SystemExit(f"{args.images}: {raw.size} bytes is not a multiple of {c}x{h}x{w}")
    pixels = torch.from_numpy(raw.reshape(-1, c, h, w).copy())
    with open(args.logits) as f:
        reference = json.load(f)
    expected = torch.tensor(reference["logits"], dtype=torch.float64)
    if list(expected.shape) != [pixels.shape[0], config["num_classes"]]:
        raise SystemExit(f"{args.logits}: logits of shape {list(expected.shape)}, expected "
                         f"[{pixels.shape[0]}, {config['num_classes']}]")
    if reference.get("classes") and reference["classes"] != config["class_names"]:
        raise SystemExit(f"{args.logits}: classes {reference['classes']} differ from config.json's "
                         f"{config['class_names']}")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    ours = {}
    for name, dtype in (("fp32", torch.float32), ("fp64", torch.float64)):
        x = cnn_models.preprocess(pixels, config, dtype)
        ours[name] = forward(x, dtype).double()
    diff32 = (ours["fp32"] - expected).abs().max().item()
    diff64 = (ours["fp64"] - expected).abs().max().item()
    same_top = bool((ours["fp32"].argmax(1) == expected.argmax(1)).all())
    print(json.dumps({"images": pixels.shape[0], "max_abs_diff_fp32": diff32, "max_abs_diff_fp64": diff64,
                      "max_abs_logit": expected.abs().max().item(), "same_argmax": same_top,
                      "tolerance": args.tolerance}))
    if diff32 > args.tolerance or not same_top:
        print(f"imported logits differ from TF.js's by {diff32:.3g} (> {args.tolerance:g})", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

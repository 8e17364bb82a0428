"""Reference check for the CNN export (issue 17): a CNN folder SparkFT exported must load into the hand-written
torchvision networks of cnn_models.py with load_state_dict(strict=True) (torchvision's key names, every running
statistic, nothing else) and give SparkFT's logits on the same pixels. (check_export.py is the BERT one.)

    python scripts/reference/check_cnn_export.py FOLDER PIXELS LOGITS [--tolerance 1e-4]

PIXELS: safetensors with `pixels` [n, C, H, W] (U8, or whole numbers 0..255); LOGITS: safetensors with SparkFT's
`logits` [n, classes] (may be the same file). Eval mode (running statistics). Prints the max abs difference;
exit status 1 above the tolerance.
"""
import argparse

import torch
from safetensors.torch import load_file

import cnn_models


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("pixels")
    parser.add_argument("logits")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(1)

    model, config = cnn_models.load_folder(args.folder)
    pixels, _ = cnn_models.read_batch(args.pixels, config, labels=False)
    theirs = load_file(args.logits)
    if "logits" not in theirs:
        raise SystemExit(f"{args.logits}: no tensor 'logits' (found {sorted(theirs)})")
    theirs = theirs["logits"].float()
    with torch.no_grad():
        ours = model(cnn_models.preprocess(pixels, config))
    if theirs.shape != ours.shape:
        raise SystemExit(f"{args.logits}: logits have shape {list(theirs.shape)}, the reference gives {list(ours.shape)}")
    diff = (ours - theirs).abs().max().item()
    print(f"{config['architecture']} from {args.folder}: load_state_dict(strict=True) OK, batch {list(pixels.shape)}")
    print(f"max |logits(reference) - logits(SparkFT)| = {diff:.3e} (max |logit| {theirs.abs().max().item():.3f})")
    ok = diff <= args.tolerance
    print("OK" if ok else "MISMATCH", f"(tolerance {args.tolerance})")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""Expected resized images for data-pipelines' ImageResizeReferenceTest, from PyTorch's antialiased bilinear
interpolation (torch.nn.functional.interpolate(mode="bilinear", antialias=True, align_corners=False), the
PIL-style triangle filter that torchvision uses), an implementation independent of ours. Covers upscaling,
downscaling, and "scale to cover, then centre-crop" (resize then slice, as torchvision Resize + CenterCrop).
Inputs: real Fashion-MNIST test images from the IDX slice in test resources, and an RGB image made from them.

  .venv/bin/python scripts/reference/make_resize_expected.py   (writes image-folder/resize-expected.json)
"""
import gzip
import json
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "data-pipelines/src/test/resources"


def idx_images():
    raw = gzip.decompress((RESOURCES / "fashion-mnist/t10k-first500-images-idx3-ubyte.gz").read_bytes())
    n, rows, cols = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows, cols)


def cover_crop(planes, out_h, out_w):
    """torchvision's Resize(shorter side) (longer side truncated) then CenterCrop, on float planes [C, H, W]."""
    c, h, w = planes.shape
    if out_h / h >= out_w / w:
        rh, rw = out_h, max(out_w, int(w * out_h / h))
    else:
        rw, rh = out_w, max(out_h, int(h * out_w / w))
    x = torch.from_numpy(planes).float().unsqueeze(0)
    y = F.interpolate(x, size=(rh, rw), mode="bilinear", antialias=True, align_corners=False)[0]
    top, left = int(round((rh - out_h) / 2.0)), int(round((rw - out_w) / 2.0))
    return y[:, top:top + out_h, left:left + out_w]


def main():
    images = idx_images()
    gray = images[18].astype(np.float32)[None]                       # a bag, 1 x 28 x 28
    wide = np.concatenate([images[6], images[10]], axis=1)            # two coats side by side, 28 x 56
    rgb = np.stack([wide, wide // 2, 255 - wide]).astype(np.float32)  # 3 x 28 x 56
    cases = []
    for name, planes, out_h, out_w in [("gray-up-64", gray, 64, 64), ("gray-down-13", gray, 13, 13),
                                       ("gray-down-9x20", gray, 9, 20), ("rgb-cover-32", rgb, 32, 32),
                                       ("rgb-cover-20x12", rgb, 20, 12), ("rgb-down-11x17", rgb, 11, 17)]:
        out = cover_crop(planes, out_h, out_w)
        cases.append({"name": name, "channels": int(planes.shape[0]), "height": int(planes.shape[1]),
                      "width": int(planes.shape[2]), "input": planes.astype(np.uint8).reshape(-1).tolist(),
                      "outHeight": out_h, "outWidth": out_w,
                      "expected": [round(float(v), 3) for v in out.reshape(-1).tolist()]})
    meta = {"torch": torch.__version__, "cases": cases}
    (RESOURCES / "image-folder/resize-expected.json").write_text(json.dumps(meta, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()

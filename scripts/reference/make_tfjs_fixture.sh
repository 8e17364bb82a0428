#!/usr/bin/env bash
# Regenerates dl-core/src/test/resources/tfjs/nsfwjs_mobilenet_v2/: images.u8.gz (8 real images as the model's
# input, uint8 8 x 3 x 224 x 224: the first 5 Fashion-MNIST test images and 3 pictures found in Debian/Rust/SDK
# documentation, see SOURCES.md there) and tfjs_logits.json (nsfwjs@4.3.0 MobileNetV2's logits for them, computed
# by TensorFlow.js's CPU backend in Node: scripts/reference/tfjs_logits.js).
# Needs: scripts/fetch-nsfwjs.sh's cache, scripts/fetch-fashion-mnist.sh's raw files (or FASHION_MNIST_RAW), Java 17,
# Node >= 18, and the pictures below (override with PHOTOS="a.jpg b.png").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SPARKFT_NSFWJS:-$HOME/sparkft-data/nsfwjs-4.3.0}
RAW=${FASHION_MNIST_RAW:-$HOME/sparkft-data/fashion-mnist/raw}
RUST_DOC=$(ls -d "$HOME"/.rustup/toolchains/stable-*/share/doc/rust/html/embedded-book/assets 2>/dev/null | head -1 || true)
PHOTOS=${PHOTOS:-"$RUST_DOC/f3.jpg $RUST_DOC/verify.jpeg /usr/lib/google-cloud-sdk/platform/gsutil/third_party/requests/ext/requests-logo.png"}
OUT=$ROOT/dl-core/src/test/resources/tfjs/nsfwjs_mobilenet_v2
"$ROOT/scripts/fetch-nsfwjs.sh" "$CACHE"
for f in $PHOTOS "$RAW/t10k-images-idx3-ubyte.gz"; do
  [[ -f "$f" ]] || { echo "missing input $f (set PHOTOS / FASHION_MNIST_RAW)" >&2; exit 1; }
done
mkdir -p "$OUT"
# shellcheck disable=SC2086
java "$ROOT/scripts/reference/TfjsFixtureImages.java" "$OUT/images.u8.gz" "$RAW/t10k-images-idx3-ubyte.gz" 5 $PHOTOS
node "$ROOT/scripts/reference/tfjs_logits.js" "$CACHE" "$OUT/images.u8.gz" "$OUT/tfjs_logits.json" 2> >(grep -v -e '^====' -e 'tfjs-node' -e '^Hi, looks like' >&2)
echo "fixture in $OUT"

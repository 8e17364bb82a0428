#!/usr/bin/env bash
# Fetch the full Fashion-MNIST (60,000 train + 10,000 test images, MIT licence, Zalando SE) without root,
# from Debian's dataset-fashion-mnist package, and prepare Parquet datasets with `bin/sparkft prepare` (format idx):
#   DIR/parquet/{train (54,000), validation (6,000, stratified, seed 42), test (10,000), _rejects, dataset.json}.
# Usage: scripts/fetch-fashion-mnist.sh [DIR]   (default: $HOME/sparkft-data/fashion-mnist)
# Files already in DIR/raw are reused; to fetch by hand, put the four *-ubyte.gz files from
# https://github.com/zalandoresearch/fashion-mnist there.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=$(mkdir -p "${1:-$HOME/sparkft-data/fashion-mnist}" && cd "${1:-$HOME/sparkft-data/fashion-mnist}" && pwd)
RAW=$DEST/raw
FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"

missing=0
for f in $FILES; do [ -f "$RAW/$f" ] || missing=1; done
if [ "$missing" = 1 ]; then
  command -v apt-get >/dev/null && command -v dpkg >/dev/null || {
    echo "apt-get/dpkg not found: put $FILES into $RAW by hand" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && apt-get download dataset-fashion-mnist); then
    echo "apt-get download dataset-fashion-mnist failed: run 'apt-get update' (as root) and retry," \
         "or put $FILES into $RAW by hand" >&2
    exit 1
  fi
  dpkg -x "$work"/dataset-fashion-mnist_*.deb "$work/out"
  mkdir -p "$RAW"
  for f in $FILES; do cp "$work/out/usr/share/datasets/fashion-mnist/$f" "$RAW/"; done
  cp "$work/out/usr/share/doc/dataset-fashion-mnist/copyright" "$RAW/COPYRIGHT"
fi

# A new dataset folder (never written over); a second run with the same files and settings does nothing.
cat > "$DEST/prepare.yaml" <<EOF
run: {name: prepare-fashion-mnist}
prepare:
  format: idx
  output: "$DEST/parquet"
  train: {images: "$RAW/train-images-idx3-ubyte.gz", labels: "$RAW/train-labels-idx1-ubyte.gz"}
  test: {images: "$RAW/t10k-images-idx3-ubyte.gz", labels: "$RAW/t10k-labels-idx1-ubyte.gz"}
  validationFraction: 0.1
  seed: 42
  partitions: 8
  labels: [T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot]
EOF
JAVA_OPTS="${JAVA_OPTS:--Xmx4g}" "$ROOT/bin/sparkft" prepare --config "$DEST/prepare.yaml"
echo "Fashion-MNIST Parquet datasets in $DEST/parquet/{train,validation,test}"

#!/usr/bin/env bash
# Fetch the full Fashion-MNIST (60,000 train + 10,000 test images, MIT licence, Zalando SE) without root,
# from Debian's dataset-fashion-mnist package, and prepare Parquet datasets with the Spark prep job:
#   DIR/train (54,000), DIR/validation (6,000, stratified, seed 42), DIR/test (10,000), DIR/_rejects.
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

# Build data-pipelines (never install: the local Maven repository may be shared) and take its classpath.
cd "$ROOT"
cp_file=$(mktemp)
mvn -B -q -pl data-pipelines -am compile dependency:build-classpath -Dmdep.outputFile="$cp_file" >&2
CP="$ROOT/data-pipelines/target/classes:$ROOT/dl-core/target/classes:$(cat "$cp_file")"
rm -f "$cp_file"

OPENS=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS="$OPENS --add-opens=java.base/$p=ALL-UNNAMED"
done

SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1} java -Xmx4g $OPENS -Djdk.reflect.useDirectMethodHandle=false \
  -cp "$CP" dev.sparkft.data.image.ImagePrepCli \
  --train-images "$RAW/train-images-idx3-ubyte.gz" --train-labels "$RAW/train-labels-idx1-ubyte.gz" \
  --test-images "$RAW/t10k-images-idx3-ubyte.gz" --test-labels "$RAW/t10k-labels-idx1-ubyte.gz" \
  --validation-fraction 0.1 --seed 42 --partitions 8 --output "$DEST"
echo "Fashion-MNIST Parquet datasets in $DEST/{train,validation,test}"

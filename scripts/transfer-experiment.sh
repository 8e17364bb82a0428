#!/usr/bin/env bash
# Transfer learning through the platform (issue 17, "Transfer pays"): nsfwjs's pretrained MobileNetV2 (ImageNet-
# initialised, fine-tuned on 5 classes; imported with `sparkft import-tfjs`) against the same MobileNetV2 from random
# initialisation, fine-tuned by the Spark trainer (local[2]) on few labels of Fashion-MNIST, same recipe and steps.
#
#   scripts/fetch-fashion-mnist.sh && scripts/fetch-nsfwjs.sh     # the caches (once)
#   scripts/transfer-experiment.sh                                  # -> runs/transfer/results.md (+ .tsv)
#
# Knobs (environment): PER_CLASS="10 100" (labelled train images per class), SEEDS="1" (each seed draws its own
# subset and initialises the new head / random network with it), STEPS=150, SIZE=64 (input 3xSIZExSIZE),
# ROWS="pretrained:batch random:batch pretrained:frozen" (init:batchNorm per row), TEST=2000 (fixed test subset),
# WORK=runs/transfer. Every config it runs is written to $WORK/configs/ first. Finished rows are not rerun (delete
# $WORK/runs/<row> to redo one); the table is rebuilt from every run's metrics.jsonl.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PER_CLASS=${PER_CLASS:-10 100}
SEEDS=${SEEDS:-1}
STEPS=${STEPS:-150}
SIZE=${SIZE:-64}
ROWS=${ROWS:-pretrained:batch random:batch pretrained:frozen}
TEST=${TEST:-2000}
WORK=${WORK:-runs/transfer}
RAW=${FASHION_RAW:-$HOME/sparkft-data/fashion-mnist/raw}
NSFWJS=${SPARKFT_NSFWJS:-$HOME/sparkft-data/nsfwjs-4.3.0}/node_modules/nsfwjs/dist/models/mobilenet_v2

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [[ -f $RAW/$f ]] || { echo "transfer-experiment: $RAW/$f missing: run scripts/fetch-fashion-mnist.sh" >&2; exit 2; }
done
[[ -f $NSFWJS/model.min.js ]] || { echo "transfer-experiment: $NSFWJS/model.min.js missing: run scripts/fetch-nsfwjs.sh" >&2; exit 2; }
mkdir -p "$WORK/configs" "$WORK/data" "$WORK/runs"

# The pretrained CNN folder (import-tfjs writes it atomically; a second import is skipped).
PRETRAINED=$WORK/nsfwjs-mobilenet-v2
[[ -f $PRETRAINED/config.json ]] || bin/sparkft import-tfjs --input "$NSFWJS" --output "$PRETRAINED"

# prepare NAME IMAGES LABELS LIMIT SEED: a stratified, seeded subset of an IDX set as uint8 3xSIZExSIZE `pixels`
# (grey copied to RGB) in $WORK/data/NAME/train. `prepare` does nothing when the folder already holds these settings.
prepare() {
  local cfg=$WORK/configs/prepare-$1.yaml
  cat > "$cfg" <<EOF
run: {name: transfer-prepare-$1, master: "local[2]"}
prepare:
  format: idx
  output: $WORK/data/$1
  train: {images: $RAW/$2, labels: $RAW/$3, limit: $4}   # stratified: limit/10 per class (the sets are balanced)
  validationFraction: 0.0
  numClasses: 10
  imageSize: [3, $SIZE, $SIZE]
  seed: $5
  partitions: 2
EOF
  bin/sparkft prepare --config "$cfg" | grep -v '^$' | tail -2
}

# One fixed test subset for every row: TEST images of the 10,000 test images, stratified, seed 42.
TESTSET=test-$TEST-$SIZE
prepare "$TESTSET" t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz "$TEST" 42

# The recipe, identical for both initialisations: AdamW, batch 32 (2 partitions x 16), linear warm-up then decay to
# 0, clipping 1.0; the backbone (features.*) at half the head's rate and frozen for the first STEPS/6 steps, so a
# new head first learns on fixed features (for the random network that is a head on random features: same rule).
train() {   # train ROW INIT BN N SEED
  local row=$1 init=$2 bn=$3 n=$4 seed=$5 out=$WORK/runs/$1 cfg=$WORK/configs/$1.yaml model
  if [[ $init == pretrained ]]; then
    model="{task: image-classification, weights: $PRETRAINED, numLabels: 10, head: new, imageSize: [3, $SIZE, $SIZE], batchNorm: $bn, seed: $seed}"
  else
    # nsfwjs's normalisation (x/255, mean 0, std 1: the imported config.json) so that only the initialisation differs
    model="{task: image-classification, architecture: mobilenet_v2, weights: random, numLabels: 10, imageSize: [3, $SIZE, $SIZE], mean: [0, 0, 0], std: [1, 1, 1], batchNorm: $bn, seed: $seed}"
  fi
  cat > "$cfg" <<EOF
run: {name: transfer-$row, master: "local[2]", seed: $seed, outputDir: $out}
data: {train: $WORK/data/train-$n-$SIZE-s$seed/train, validation: $WORK/data/$TESTSET/train, partitions: 2}
model:
  engine: djl-pytorch
  options: $model
training: {mode: sync, globalBatch: 32, microBatch: 16, steps: $STEPS}
optimizer:
  type: adamw
  learningRate: 1.0e-3          # the new head (classifier.1)
  weightDecay: 0.01
  schedule: {type: linear, warmupSteps: $((STEPS / 10)), totalSteps: $STEPS, finalFraction: 0.0}
  parameterGroups:
    - {name: backbone, parameters: "^features\\\\.", learningRate: 5.0e-4, frozenSteps: $((STEPS / 6))}
clipping: {maxGradNorm: 1.0}
checkpoint: {everySteps: 0, everyEpochs: 0, keepLast: 1}
logging: {everySteps: 10}
evaluation: {everyEpochs: 0}    # one classification report on the test subset, at the end
EOF
  if [[ -f $out/metrics.jsonl ]] && grep -q '"end":true' "$out/metrics.jsonl"; then
    echo "transfer-experiment: $row done before, kept"; return
  fi
  rm -rf "$out"
  local start=$SECONDS
  bin/sparkft train --config "$cfg" > "$WORK/runs/$row.log" 2>&1 || {
    echo "transfer-experiment: $row failed, see $WORK/runs/$row.log" >&2; exit 1; }
  echo "$((SECONDS - start))" > "$out/wall-seconds"
  echo "transfer-experiment: $row: $(grep '"end":true' "$out/metrics.jsonl")"
}

for seed in $SEEDS; do
  for n in $PER_CLASS; do
    prepare "train-$n-$SIZE-s$seed" train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz $((n * 10)) "$seed"
    for r in $ROWS; do
      train "n$n-${r%%:*}-${r##*:}-$SIZE-s$seed" "${r%%:*}" "${r##*:}" "$n" "$seed"
    done
  done
done

# The table: one line per finished run (accuracy of the end-of-run report on the test subset).
{
  echo "| labels per class | init | batch norm | seed | steps | test accuracy | macro F1 | wall time |"
  echo "|---|---|---|---|---|---|---|---|"
  for m in "$WORK"/runs/*/metrics.jsonl; do
    d=$(dirname "$m"); row=$(basename "$d")
    grep -q '"end":true' "$m" || continue
    IFS=- read -r n init bn size seed <<< "$row"
    line=$(grep '"end":true' "$m")
    acc=$(sed 's/.*"accuracy":\([0-9.]*\).*/\1/' <<< "$line")
    f1=$(sed 's/.*"macroF1":\([0-9.]*\).*/\1/' <<< "$line")
    step=$(sed 's/.*"step":\([0-9]*\).*/\1/' <<< "$line")
    printf '| %s | %s | %s | %s | %s | %.2f %% | %.3f | %s s |\n' "${n#n}" "$init" "$bn" "${seed#s}" "$step" \
      "$(awk "BEGIN{print 100*$acc}")" "$f1" "$(cat "$d/wall-seconds" 2>/dev/null || echo '?')"
  done | sort -t'|' -k2,2n -k4,4 -k3,3
} | tee "$WORK/results.md"

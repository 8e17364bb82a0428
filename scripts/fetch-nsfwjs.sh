#!/usr/bin/env bash
# Fetches npm nsfwjs@4.3.0 (MIT; three ImageNet-initialised CNNs fine-tuned on 5 classes, as TensorFlow.js
# models wrapped in .min.js modules under dist/models/) and, for the reference logits only, @tensorflow/tfjs
# 4.22.0 (its pure-JS CPU backend; no tfjs-node, no native code), with `npm install` into a cache folder:
#   DIR/node_modules/nsfwjs/dist/models/mobilenet_v2/{model.min.js, group1-shard*of*.min.js}
# Usage: scripts/fetch-nsfwjs.sh [DIR]   (default: $SPARKFT_NSFWJS, else $HOME/sparkft-data/nsfwjs-4.3.0)
# A second run with the packages in DIR does nothing and needs no network.
set -euo pipefail

DIR=$(realpath -m "${1:-${SPARKFT_NSFWJS:-$HOME/sparkft-data/nsfwjs-4.3.0}}")
MODEL=$DIR/node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js
TFJS=$DIR/node_modules/@tensorflow/tfjs/package.json

if [[ -f "$MODEL" && -f "$TFJS" && -f "$DIR/.complete" ]]; then
  echo "nsfwjs already in $DIR"
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found: install Node.js (>= 18) and npm, then retry" >&2; exit 1; }
# Installed into a temporary folder next to DIR, then renamed: an interrupted run leaves no half cache.
mkdir -p "$(dirname "$DIR")"
work=$(mktemp -d "$DIR.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo '{"name":"sparkft-nsfwjs-cache","private":true}' > "$work/package.json"
(cd "$work" && npm install --silent --no-audit --no-fund --ignore-scripts \
   nsfwjs@4.3.0 @tensorflow/tfjs@4.22.0 buffer@6.0.3) || {
  echo "npm install nsfwjs@4.3.0 @tensorflow/tfjs@4.22.0 failed: check the npm registry (npm config get registry)" >&2
  exit 1; }
[[ -f "$work/node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js" ]] || {
  echo "nsfwjs@4.3.0 has no dist/models/mobilenet_v2/model.min.js in $work" >&2; exit 1; }
touch "$work/.complete"
rm -rf "$DIR"
mv "$work" "$DIR"
trap - EXIT
echo "nsfwjs@4.3.0 and @tensorflow/tfjs@4.22.0 in $DIR"

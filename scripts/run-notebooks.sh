#!/usr/bin/env bash
# Runs the notebooks in notebooks/ headless, in order, with the reference venv's Jupyter (nbconvert + nbclient,
# the python3 kernel of ipykernel), and writes each executed notebook, outputs and plots included, to
# runs/notebooks/. A cell that raises (every notebook checks its results with asserts) fails the script.
#
#   scripts/run-notebooks.sh            # about 5 minutes on 2 cores: notebook 1 trains the README fine-tune
#
# Needs the build (bin/sparkft builds its classpath on first use) and the venv (scripts/reference/setup-venv.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=$("$root/scripts/reference/setup-venv.sh")
out="$root/runs/notebooks"
mkdir -p "$out"
for notebook in "$root"/notebooks/*.ipynb; do
  name=$(basename "$notebook")
  start=$(date +%s)
  # Cells may run for minutes (training): no per-cell timeout.
  "$python" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=-1 \
    --ExecutePreprocessor.kernel_name=python3 --output-dir "$out" "$notebook" >&2
  echo "run-notebooks: $name ran in $(( $(date +%s) - start )) s -> runs/notebooks/$name" >&2
done

#!/usr/bin/env bash
# Makes the Python reference venv (scripts/reference/requirements.txt, every version pinned, from the local pip
# index) and links it as .venv in the repository root, where the tests that compare with transformers find it.
# The venv lives in a cache folder keyed by the requirements and the interpreter, so it is built once per
# machine (about a minute) and later runs take a second; CI calls this before `mvn -B verify`.
#
#   scripts/reference/setup-venv.sh          # prints the venv's python
#
# Environment: PYTHON (interpreter to build from, default python3), SPARKFT_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/sparkft), SPARKFT_PIP_ARGS (where pip finds packages; default: the build
# machines' local index under /opt when it exists, else pip's own configuration, e.g. PyPI).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
req="$root/scripts/reference/requirements.txt"
python=${PYTHON:-python3}
local_index="--index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple --find-links /opt/wheels"
if [[ ! -d /opt/pypi/simple ]]; then local_index=""; fi
pip_args=${SPARKFT_PIP_ARGS:-$local_index}
start=$(date +%s)

# The key: the requirement lines (comments and blanks do not count) and the interpreter's version.
key=$({ sed -e 's/#.*//' -e 's/[[:space:]]//g' "$req" | grep -v '^$'; "$python" -c 'import sys; print(sys.version)'; } \
  | sha256sum | cut -c1-16)
cache=${SPARKFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sparkft}
venv="$cache/reference-venv-$key"
mkdir -p "$cache"
exec 9>"$venv.lock"
flock 9   # one builder per machine: a concurrent run waits, then finds the venv ready

if [[ ! -f "$venv/.complete" ]] || ! "$venv/bin/python" -c pass 2>/dev/null; then
  echo "setup-venv: building the Python reference venv in $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # The grep drops pip's warning for every package one of the two local indexes does not hold.
  # shellcheck disable=SC2086  # $pip_args is a list of flags
  "$venv/bin/python" -m pip install -q --no-input --disable-pip-version-check --only-binary=:all: \
    $pip_args -r "$req" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; } >&2
  "$venv/bin/python" -c 'import numpy, onnxruntime, pandas, pyarrow, safetensors, tokenizers, torch, transformers
import tensorboard, matplotlib, nbclient, ipykernel'
  touch "$venv/.complete"   # last: an interrupted build is rebuilt next time
fi

link="$root/.venv"
if [[ -e "$link" && ! -L "$link" ]]; then
  echo "setup-venv: $link exists and is not a link; move it away (or point SPARKFT_PYTHON at your own python)" >&2
  exit 1
fi
ln -sfn "$venv" "$link"
echo "setup-venv: $link -> $venv ($(( $(date +%s) - start )) s)" >&2
echo "$link/bin/python"

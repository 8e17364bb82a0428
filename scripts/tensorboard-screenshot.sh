#!/usr/bin/env bash
# A screenshot of TensorBoard showing a run, taken with headless Chromium (Debian's chromium package):
#
#   scripts/tensorboard-screenshot.sh runs/notebook-spam/tensorboard docs/images/tensorboard.png
#
# Serves LOGDIR with the reference venv's TensorBoard on a free loopback port, opens its scalars dashboard filtered
# to the loss, learning rate, MFU and straggler skew, and writes a 1400 x 1000 PNG.
set -euo pipefail
logdir=${1:?usage: $0 LOGDIR OUT.png}
out=${2:?usage: $0 LOGDIR OUT.png}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=$("$root/scripts/reference/setup-venv.sh")
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$(dirname "$python")/tensorboard" --logdir "$logdir" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
server=$!
profile=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$profile"' EXIT
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$port/data/runs" >/dev/null && break
  sleep 1
done
# The flags keep Chromium off the network (this machine's is closed) and out of any existing profile.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=1400,1000 \
  --virtual-time-budget=20000 --screenshot="$out" \
  "http://127.0.0.1:$port/#scalars&tagFilter=train%2F(loss%7Clr%7Cmfu%7CtaskSkew)" 2>/dev/null
echo "wrote $out" >&2

#!/usr/bin/env bash
# Spark GPU discovery script (spark.worker.resource.gpu.discoveryScript): prints the GPUs this host's
# processes can see, as CUDA numbers them, e.g. {"name": "gpu", "addresses": ["0", "1"]}. With
# CUDA_VISIBLE_DEVICES set (containers, YARN isolation) nvidia-smi still lists physical indices, so the
# visible count is renumbered from 0 as CUDA does; SparkFT passes the address to libtorch as the device index.
set -euo pipefail
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  count=$(tr ',' '\n' <<< "$CUDA_VISIBLE_DEVICES" | grep -c .)
else
  count=$(nvidia-smi --query-gpu=index --format=csv,noheader | grep -c .)
fi
addresses=$(seq 0 $((count - 1)) | sed 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"

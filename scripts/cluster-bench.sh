#!/usr/bin/env bash
# Synchronous rounds on a real standalone cluster on this host (docs/cluster.md, "Cost of a round"): MiniLM
# (22.7M parameters, 91 MB of fp32) fine-tuned on the SpamAssassin sample with 1, 2 and 4 one-core workers,
# one partition each and one example per partition per step (short sequences: the point is communication).
# For each worker count: ms per round split into compute / the rest of the map stage / the reduce stage / the
# driver's part, and the vector bytes into the driver per round, measured from Spark's event log (task result
# sizes), not from SparkFT's own counters.
#
#   scripts/cluster-bench.sh [steps] [workers...]          # default: 12 steps, workers 1 2 4
#   JAR=path/to/other/sparkft.jar scripts/cluster-bench.sh  # another build (e.g. an older commit), same settings
#   PRECISION=bf16 scripts/cluster-bench.sh                 # bf16 on the wire
#   SLOW=300:100 scripts/cluster-bench.sh 12 2              # one executor made slow: SIGSTOP 300 ms, run 100 ms, ...
#   SPECULATION=true SLOW=300:100 scripts/cluster-bench.sh 12 2   # the same with spark.speculation on
# Writes runs/cluster-bench/<label>/w<N>/ (config, driver log, metrics.jsonl, event log) and prints one table.
# Needs: mvn -B package -DskipTests (the application jar), python3. About 2 minutes per worker count.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
STEPS=${1:-12}
shift || true
WORKERS=${*:-1 2 4}
JAR=${JAR:-$(ls dist/target/sparkft-*.jar | grep -v original | head -1)}
PRECISION=${PRECISION:-fp32}
SLOW=${SLOW:-}
SPECULATION=${SPECULATION:-false}
LABEL=${LABEL:-$(basename "$JAR" .jar)-$PRECISION}
WORK=$ROOT/runs/cluster-bench/$LABEL
HOME_DIR=$ROOT/target/spark-home
[[ -f $HOME_DIR/RELEASE ]] || cluster-config/make-spark-home.sh "$HOME_DIR" >/dev/null
PORT=${PORT:-7177}
mkdir -p "$WORK"

for w in $WORKERS; do
  dir=$WORK/w$w
  rm -rf "$dir" && mkdir -p "$dir/events"
  cat > "$dir/config.yaml" <<YAML
run: {name: cluster-bench-w$w, master: "spark://127.0.0.1:$PORT", seed: 42, outputDir: $dir/out}
data:
  train: $ROOT/examples/data/spam/train
  partitions: $w
  text: {textColumn: text, labelColumn: label, maxLength: 16, tokenizer: "bundled:all-minilm-l6-v2"}
model:
  engine: djl-pytorch
  options: {task: sequence-classification, numLabels: 2, weights: "bundled:all-minilm-l6-v2"}
training:
  mode: sync
  globalBatch: $w
  microBatch: 1
  steps: $STEPS
  communication: {precision: $PRECISION}
optimizer: {type: adamw, learningRate: 2.0e-5, weightDecay: 0.01}
checkpoint: {everySteps: 0, everyEpochs: 0}
logging: {everySteps: 1}
YAML
  # An older build does not know training.communication: leave it out for fp32.
  [[ $PRECISION == fp32 ]] && sed -i '/communication:/d' "$dir/config.yaml"
  SPARK_MASTER_PORT=$PORT SPARK_MASTER_WEBUI_PORT=$((PORT + 1)) SPARK_LOCAL_IP=127.0.0.1 \
    cluster-config/sparkft-cluster.sh start --workers "$w" --cores 1 --memory 3g --home "$HOME_DIR" >/dev/null
  # Peak resident memory of the driver and of each executor JVM (VmHWM, sampled until each exits).
  ( declare -A peak; while true; do
      for status in /proc/[0-9]*/status; do
        pid=${status#/proc/}; pid=${pid%/status}
        cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") || continue
        case $cmd in
          *SparkSubmit*"$dir/config.yaml"*) role=driver ;;
          *CoarseGrainedExecutorBackend*) role=executor ;;
          *) continue ;;
        esac
        hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "$status" 2>/dev/null) || continue
        [[ -n $hwm ]] && peak[$role-$pid]=$hwm
      done
      for k in "${!peak[@]}"; do echo "$k ${peak[$k]}"; done > "$dir/rss.tmp" && mv "$dir/rss.tmp" "$dir/rss.txt"
      sleep 1
    done ) &
  sampler=$!
  # A deliberately slow executor (a noisy neighbour): the first executor JVM of the run stopped and continued in turns,
  # from the end of the first round on (once both executors hold their cached partitions and models).
  throttle=""
  if [[ -n $SLOW ]]; then
    ( stop_ms=${SLOW%%:*}; run_ms=${SLOW##*:}; victim=""
      until grep -q "^step 1/" "$dir/driver.log" 2>/dev/null; do sleep 0.2; done
      while [[ -z $victim ]]; do
        victim=$(pgrep -f "CoarseGrainedExecutorBackend.*app-" | head -1 || true); sleep 0.2
      done
      echo "slowing executor pid $victim ($(pgrep -af "CoarseGrainedExecutorBackend.*app-" | grep "^$victim " | grep -o -- '--executor-id [0-9]*')) after round 1: stopped ${stop_ms} ms of every $((stop_ms + run_ms)) ms" > "$dir/slow.txt"
      while kill -0 "$victim" 2>/dev/null; do
        kill -STOP "$victim" 2>/dev/null; sleep "$(bc -l <<< "$stop_ms / 1000")"
        kill -CONT "$victim" 2>/dev/null; sleep "$(bc -l <<< "$run_ms / 1000")"
      done ) &
    throttle=$!
  fi
  set +e
  SPARK_HOME=$HOME_DIR SPARK_LOCAL_IP=127.0.0.1 "$HOME_DIR/bin/spark-submit" --master "spark://127.0.0.1:$PORT" \
    --properties-file cluster-config/spark-defaults.conf --driver-memory 3g \
    --conf spark.executor.memory=2g --conf spark.ui.enabled=false \
    --conf spark.eventLog.enabled=true --conf "spark.eventLog.dir=file://$dir/events" \
    --conf spark.speculation="$SPECULATION" --conf spark.speculation.quantile=0.5 \
    --class dev.sparkft.spark.cli.SparkFtCli "$JAR" train --config "$dir/config.yaml" > "$dir/driver.log" 2>&1
  rc=$?
  set -e
  kill $sampler 2>/dev/null || true
  if [[ -n $throttle ]]; then kill "$throttle" 2>/dev/null || true; pkill -CONT -f CoarseGrainedExecutorBackend || true; fi
  cluster-config/sparkft-cluster.sh stop --home "$HOME_DIR" >/dev/null
  [[ $rc == 0 ]] || { tail -30 "$dir/driver.log"; echo "cluster-bench: the run with $w workers failed ($rc)" >&2; exit 1; }
done
python3 scripts/reference/cluster_rounds.py "$WORK" $WORKERS

#!/usr/bin/env bash
# Start, stop or inspect a Spark standalone cluster (one master, N workers, each a separate JVM) on this
# host, from a Spark distribution or the stand-in for one that make-spark-home.sh builds from Maven.
#
#   cluster-config/sparkft-cluster.sh start  [--workers 2] [--cores 1] [--memory 3g] [--home DIR]
#                                            [--gpus N [--gpu-script FILE]] [--insecure]
#   cluster-config/sparkft-cluster.sh stop   [--home DIR]
#   cluster-config/sparkft-cluster.sh status [--home DIR]
#
# DIR (default: target/spark-home) is a SPARK_HOME: a Spark 3.5 distribution, or one made by
# cluster-config/make-spark-home.sh (RELEASE, jars/ with Spark's own runtime jars, bin/spark-submit). SparkFT is
# not in it: drivers submit the application jar (docs/cluster.md). Logs and pid files go to DIR/run.
# The master listens on spark://$SPARK_LOCAL_IP:${SPARK_MASTER_PORT:-7077}.
# --gpus N: each worker offers N GPUs (Spark resource "gpu"), found by FILE (default: gpu-discovery.sh beside
# this script, which asks nvidia-smi); submit with spark.executor/task.resource.gpu.amount (docs/cluster.md).
# Security (docs/cluster.md#security): master, workers, executors and their web UIs bind to $SPARK_LOCAL_IP,
# default 127.0.0.1 (loopback only). Unless --insecure, every connection is authenticated with a shared
# secret and encrypted, as the security lines of spark-defaults.conf say. The secret is $SPARKFT_AUTH_SECRET,
# else the file $SPARKFT_AUTH_SECRET_FILE (default ~/.config/sparkft/spark-auth-secret), written with mode 600
# when absent; a driver submitted with spark-defaults.conf reads the same. The REST submission server is off.
set -euo pipefail

cmd=${1:-}; shift || true
workers=2 cores=1 memory=3g gpus=0 insecure=0
gpu_script=$(cd "$(dirname "$0")" && pwd)/gpu-discovery.sh
home=$(pwd)/target/spark-home
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --cores) cores=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --home) home=$(cd "$2" && pwd); shift 2 ;;
    --gpus) gpus=$2; shift 2 ;;
    --gpu-script) gpu_script=$(realpath "$2"); shift 2 ;;
    --insecure) insecure=1; shift ;;
    *) echo "unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done

export SPARK_HOME=$home
export SPARK_SCALA_VERSION=2.12
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
port=${SPARK_MASTER_PORT:-7077}
ui_port=${SPARK_MASTER_WEBUI_PORT:-8080}
master_url="spark://$SPARK_LOCAL_IP:$port"
run=$home/run
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
defaults=$(dirname "$0")/spark-defaults.conf
opens=$(sed -n 's/^spark.executor.extraJavaOptions *//p' "$defaults")
secret_file=${SPARKFT_AUTH_SECRET_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/sparkft/spark-auth-secret}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# The cluster's shared secret: $SPARKFT_AUTH_SECRET, else the file, made (256 random bits, hex) when absent.
# It reaches the daemons in _SPARK_AUTH_SECRET, Spark's variable (SecurityManager.getSecretKey), not on a
# command line that every user of the host can read; workers hand it to their executors the same way.
cluster_secret() {
  if [ -n "${SPARKFT_AUTH_SECRET:-}" ]; then printf '%s' "$SPARKFT_AUTH_SECRET"; return; fi
  if [ ! -e "$secret_file" ]; then
    (umask 077 && mkdir -p "$(dirname "$secret_file")" \
      && od -An -vtx1 -N32 /dev/urandom | tr -d ' \n' > "$secret_file.tmp.$$" \
      && mv "$secret_file.tmp.$$" "$secret_file")
    echo "wrote a new cluster secret to $secret_file (mode 600); drivers read it from there" >&2
  fi
  local mode
  mode=$(stat -c %a "$secret_file")
  if [ "${mode: -2}" != "00" ]; then
    echo "the secret file $secret_file is open to other users (mode $mode): chmod 600 $secret_file" >&2
    return 1
  fi
  local secret
  secret=$(tr -d ' \n' < "$secret_file")
  if [ -z "$secret" ]; then
    echo "the secret file $secret_file is empty: remove it (a new one is written) or put the cluster's secret in it" >&2
    return 1
  fi
  printf '%s' "$secret"
}

wait_for_log() { # file pattern seconds
  for _ in $(seq 1 "$3"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "timed out waiting for '$2' in $1; last lines:" >&2
  tail -20 "$1" >&2 || true
  return 1
}

case "$cmd" in
  start)
    if [ ! -f "$home/RELEASE" ] || [ ! -d "$home/jars" ]; then
      echo "$home is not a SPARK_HOME (no RELEASE or jars/): run cluster-config/make-spark-home.sh first" >&2
      exit 1
    fi
    mkdir -p "$run"
    if alive "$run/master.pid"; then echo "master already running (pid $(cat "$run/master.pid"))" >&2; exit 1; fi
    # The REST submission server (spark.master.rest.enabled, off by default) authenticates nobody: keep it off.
    security="-Dspark.master.rest.enabled=false"
    if [ "$insecure" = 0 ]; then
      _SPARK_AUTH_SECRET=$(cluster_secret)
      export _SPARK_AUTH_SECRET
      # The daemons take the same security lines as the drivers, from spark-defaults.conf.
      security="$security $(sed -n -E 's/^(spark\.authenticate|spark\.network\.crypto\.[A-Za-z]+|spark\.acls\.enable|spark\.ui\.killEnabled)[[:space:]]+([^[:space:]]+).*/-D\1=\2/p' "$defaults" | tr '\n' ' ')"
    fi
    # shellcheck disable=SC2086
    nohup "$java" -Xmx512m $opens $security -cp "$home/jars/*" org.apache.spark.deploy.master.Master \
      --host "$SPARK_LOCAL_IP" --port "$port" --webui-port "$ui_port" > "$run/master.log" 2>&1 &
    echo $! > "$run/master.pid"
    wait_for_log "$run/master.log" "I have been elected leader" 60
    # Spark moves to the next free port when the asked one is taken; the workers would then look for the master
    # at another process's port.
    if ! grep -q "Starting Spark master at $master_url\$" "$run/master.log"; then
      echo "the master did not get port $port ($(grep -o 'Starting Spark master at .*' "$run/master.log")): another" \
        "process holds it; stop that or choose SPARK_MASTER_PORT" >&2
      kill "$(cat "$run/master.pid")" && rm -f "$run/master.pid"
      exit 1
    fi
    resources=""
    if [ "$gpus" -gt 0 ]; then
      resources="-Dspark.worker.resource.gpu.amount=$gpus -Dspark.worker.resource.gpu.discoveryScript=$gpu_script"
    fi
    for i in $(seq 1 "$workers"); do
      mkdir -p "$run/worker-$i"
      # Executors inherit the worker's environment: one OpenMP/libtorch thread per task core (docs/cluster.md).
      # shellcheck disable=SC2086
      OMP_NUM_THREADS=1 nohup "$java" -Xmx512m $opens $security $resources -cp "$home/jars/*" org.apache.spark.deploy.worker.Worker \
        --host "$SPARK_LOCAL_IP" --webui-port 0 --cores "$cores" --memory "$memory" \
        --work-dir "$run/worker-$i" "$master_url" > "$run/worker-$i.log" 2>&1 &
      echo $! > "$run/worker-$i.pid"
    done
    for i in $(seq 1 "$workers"); do
      wait_for_log "$run/worker-$i.log" "Successfully registered with master" 60
    done
    echo "$master_url"
    ;;
  stop)
    for pidfile in "$run"/worker-*.pid "$run"/master.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$pidfile"
    done
    echo "stopped"
    ;;
  status)
    for pidfile in "$run"/master.pid "$run"/worker-*.pid; do
      [ -f "$pidfile" ] || continue
      name=$(basename "$pidfile" .pid)
      if alive "$pidfile"; then echo "$name running (pid $(cat "$pidfile"))"; else echo "$name dead"; fi
    done
    ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac

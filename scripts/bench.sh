#!/usr/bin/env bash
# Benchmarks (docs/benchmarks.md): scripts/bench.sh foundation [repeats of (a) and (c)] [repeats of (b)]
#                                    scripts/bench.sh text [repeats] [sections]
#                                    scripts/bench.sh data [repeats] [rows]   (the pre-training data pass, ~3 min)
#                                    scripts/bench.sh predict [repeats]   (predict vs PyTorch inference, MiniLM, ~5 min)
#                                    scripts/bench.sh cnn [repeats] [step,trainer] [cases] [bf16,channels-last|none]
#                                      (CNN step vs PyTorch, trainer vs bare loop at ResNet-18 3x64x64;
#                                      about 15 min idle; SPARKFT_BENCH_OPTS=-Dcnnbench.modelThread=true runs our
#                                      model on its own thread, as the trainer does)
# Compiles the tests module with the bench profile (adds DL4J's Spark trainer and tests/src/bench/java),
# then runs dev.sparkft.bench.FoundationBench, TextBench, PredictBench, DataLoadBench or CnnBench, which start
# one process per measurement.
# foundation takes ~10 minutes, text about an hour (2 loaded cores); text runs the PyTorch reference with
# $SPARKFT_PYTHON (default: the repository's .venv from scripts/reference/setup-venv.sh, else python3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -q -B -Pbench -pl tests -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=runtime >&2
opens="$(sed -n 's:.*<sparkft.jvm.opens>\(.*\)</sparkft.jvm.opens>.*:\1:p' pom.xml)"
case "${1:-}" in
  text) main=dev.sparkft.bench.TextBench ;;
  predict) main=dev.sparkft.bench.PredictBench ;;
  data) main=dev.sparkft.bench.DataLoadBench ;;
  cnn) main=dev.sparkft.bench.CnnBench ;;
  *) main=dev.sparkft.bench.FoundationBench ;;
esac
# shellcheck disable=SC2086  # $opens is a list of flags
python=python3
if [[ -x "$root/.venv/bin/python" ]]; then python="$root/.venv/bin/python"; fi
# shellcheck disable=SC2086  # $SPARKFT_BENCH_OPTS: extra JVM flags, e.g. -Dcnnbench.modelThread=true
exec java -Xmx4g $opens ${SPARKFT_BENCH_OPTS:-} -Dsparkft.repoRoot="$root" -Dsparkft.python="${SPARKFT_PYTHON:-$python}" \
  -Dlog4j.configurationFile=dev/sparkft/spark/cli/log4j2-cli.properties \
  -cp "$root/tests/target/classes:$root/spark-jobs/target/classes:$(cat tests/target/bench.classpath)" \
  "$main" "$@"

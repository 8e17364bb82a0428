#!/usr/bin/env bash
# Benchmarks (docs/benchmarks.md): scripts/bench.sh foundation [repeats of (a) and (c)] [repeats of (b)]
# Compiles the tests module with the bench profile (adds DL4J's Spark trainer and tests/src/bench/java),
# then runs dev.sparkft.bench.FoundationBench, which starts one JVM per measurement. Takes ~10 minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -q -o -B -Pbench -pl tests -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=runtime >&2
opens="$(sed -n 's:.*<sparkft.jvm.opens>\(.*\)</sparkft.jvm.opens>.*:\1:p' pom.xml)"
# shellcheck disable=SC2086  # $opens is a list of flags
exec java -Xmx4g $opens -Dsparkft.repoRoot="$root" \
  -Dlog4j.configurationFile=dev/sparkft/spark/cli/log4j2-cli.properties \
  -cp "$root/tests/target/classes:$root/spark-jobs/target/classes:$(cat tests/target/bench.classpath)" \
  dev.sparkft.bench.FoundationBench "$@"

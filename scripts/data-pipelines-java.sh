#!/usr/bin/env bash
# Runs a data-pipelines entry point (a class with main) in local mode with the module's runtime classpath:
#   scripts/data-pipelines-java.sh dev.sparkft.data.text.PrepareSotu --data DIR --out DIR
# Builds dl-core and data-pipelines first. Environment: MVN_FLAGS (default -o: offline, as the build is; empty
# to resolve), JAVA_HEAP (default 2g).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MVN_FLAGS=${MVN_FLAGS--o}
classpath_file=$(mktemp)
trap 'rm -f "$classpath_file"' EXIT

cd "$ROOT"
# shellcheck disable=SC2086
mvn $MVN_FLAGS -B -q -pl data-pipelines -am compile dependency:build-classpath \
    -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=runtime
CLASSPATH="$ROOT/dl-core/target/classes:$ROOT/data-pipelines/target/classes:$(cat "$classpath_file")"

OPENS=()
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
SPARK_LOCAL_IP=127.0.0.1 exec java "-Xmx${JAVA_HEAP:-2g}" "${OPENS[@]}" -cp "$CLASSPATH" "$@"

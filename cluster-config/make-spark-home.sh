#!/usr/bin/env bash
# Make a SPARK_HOME from Maven: RELEASE + jars/ (Spark's runtime jars, SparkFT's modules and their
# dependencies, as links into the local Maven repository). The standalone master, workers and
# spark-submit all run from it; executors then need nothing shipped.
#
#   cluster-config/make-spark-home.sh [DIR]      (default DIR: target/spark-home; run from the repo root)
set -euo pipefail
dir=${1:-target/spark-home}
case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/jars"
# One reactor run, so sibling modules resolve to the jars it just packaged (nothing is installed). Every
# module writes the file; spark-jobs comes last and its runtime classpath holds the others.
mvn -q -B -pl spark-jobs -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$dir.tmp/classpath.txt"
tr ':' '\n' < "$dir.tmp/classpath.txt" | while read -r jar; do ln -s "$jar" "$dir.tmp/jars/"; done
# The module jar itself, not its -tests jar (test classes and a WARN-level log4j2-test.properties).
ln -s "$(ls "$(pwd)"/spark-jobs/target/sparkft-spark-jobs-*.jar | grep -v -- '-tests\.jar$' | head -1)" "$dir.tmp/jars/"
echo "Spark 3.5 (Scala 2.12) jars for SparkFT, assembled by make-spark-home.sh" > "$dir.tmp/RELEASE"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
echo "$dir"

#!/usr/bin/env bash
# Make a stand-in for a stock Spark distribution's SPARK_HOME from Maven, for hosts without a Spark download:
#   RELEASE, jars/  Spark's own runtime jars only (spark-core, spark-sql and their dependency tree with Spark's
#                   version picks, linked from the local Maven repository); no SparkFT, DL4J or DJL, which
#                   travel in the application jar (dist/target/sparkft-<version>.jar, docs/cluster.md).
#   bin/spark-submit  what a distribution's script does: Spark's launcher builds the driver command (reading
#                   --properties-file for the driver's JVM options and memory), then it runs.
# sparkft-cluster.sh runs the master and workers from it; a real Spark 3.5 distribution works the same.
#
#   cluster-config/make-spark-home.sh [DIR [MAVEN OPTIONS...]]   (default DIR: target/spark-home; e.g. -o)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-target/spark-home}
shift || true
case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
version=$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$root/pom.xml")
if [ -z "$version" ]; then
  echo "cannot find <spark.version> in $root/pom.xml" >&2
  exit 2
fi
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/jars" "$dir.tmp/bin"
# From the repository root, so that Maven reads .mvn/ (settings with the Central-only mirror).
(cd "$root" && mvn -q -B "$@" -f cluster-config/spark-home/pom.xml dependency:build-classpath \
  -Dspark.version="$version" -Dmdep.includeScope=runtime -Dmdep.outputFile="$dir.tmp/classpath.txt")
tr ':' '\n' < "$dir.tmp/classpath.txt" | while read -r jar || [ -n "$jar" ]; do ln -s "$jar" "$dir.tmp/jars/"; done
rm "$dir.tmp/classpath.txt"
echo "Spark $version (Scala 2.12): spark-core, spark-sql and their runtime jars, by make-spark-home.sh" > "$dir.tmp/RELEASE"
cat > "$dir.tmp/bin/spark-submit" <<'EOF'
#!/usr/bin/env bash
# spark-submit of this SPARK_HOME, as a distribution's bin/spark-class runs it: org.apache.spark.launcher.Main
# prints any messages, a NUL and a newline, then the driver's command as NUL-separated arguments.
set -euo pipefail
export SPARK_HOME=${SPARK_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
export SPARK_SCALA_VERSION=${SPARK_SCALA_VERSION:-2.12}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
output=$(mktemp)
trap 'rm -f "$output"' EXIT
"$java" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit "$@" \
  > "$output"
mapfile -d '' parts < "$output"
if [ -n "${parts[0]}" ]; then printf '%s' "${parts[0]}"; fi
if [ "${#parts[@]}" -lt 2 ] || [ "${parts[1]:0:1}" != $'\n' ]; then
  echo "spark-submit: unexpected output of Spark's launcher (in $output)" >&2
  trap - EXIT
  exit 1
fi
command=("${parts[1]:1}" "${parts[@]:2}")
rm -f "$output"
trap - EXIT
exec "${command[@]}"
EOF
chmod +x "$dir.tmp/bin/spark-submit"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
echo "$dir"

#!/usr/bin/env bash
# Trains the network on MNIST on a Spark cluster: spark-submit of the thin jar with the Spark
# settings of conf/spark-defaults.conf.
#
#   SPARK_MASTER=spark://host:7077 DATA=hdfs:///datasets/mnist MODEL=hdfs:///models/mnist-1 \
#     jobs/train-mnist.sh [--epochs 10 --partitions 8 ...]
#
# Arguments: options of `sparkgrad train` (scripts/sparkgrad train --help); --data and --model
# come from DATA and MODEL. The exit code is the job's (README: Exit codes).
#
# Environment:
#   DATA           IDX folder or Parquet table, any path the driver can read (local, hdfs://,
#                  s3a://); default data/mnist of this checkout
#   MODEL          the model folder to write; default models/mnist-<UTC date-time> of this checkout
#   SPARK_MASTER   the master URL (spark-submit --master). Unset: spark.master from the properties
#                  file (where it is commented out), else from the Spark install's own
#                  spark-defaults.conf, else spark-submit's local[*]
#   SPARK_HOME     a Spark 4.2 (Scala 2.13) install: its bin/spark-submit submits. Without one
#                  (no SPARK_HOME/bin/spark-submit), scripts/standalone-cluster.sh spark-class runs
#                  SparkSubmit from the Maven-resolved jars, through the same launcher
#   SPARKGRAD_JAR  the application jar; default target/sparkgrad.jar, (re)built with Maven when
#                  missing or older than the sources
#   SPARKGRAD_SPARK_CONF  the Spark properties file; default conf/spark-defaults.conf
#   SPARK_SUBMIT_ARGS     more spark-submit options, split at spaces, e.g.
#                  "--deploy-mode cluster --total-executor-cores 8 --conf spark.ui.enabled=false"
#                  (in cluster mode DATA, MODEL and the jar must be reachable from the Workers)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${SPARKGRAD_JAR:-$root/target/sparkgrad.jar}"
properties="${SPARKGRAD_SPARK_CONF:-$root/conf/spark-defaults.conf}"
data="${DATA:-$root/data/mnist}"
model="${MODEL:-$root/models/mnist-$(date -u +%Y%m%d-%H%M%S)}"

die() { echo "train-mnist: $*" >&2; exit 2; }

# The checkout's own jar is rebuilt when missing or older than the sources, as scripts/sparkgrad does.
needs_build() {
  [[ ! -f "$jar" ]] && return 0
  [[ -n "$(find "$root/src/main" "$root/pom.xml" "$root/conf/sparkgrad-defaults.conf" -newer "$jar" -type f -print -quit)" ]]
}
if [[ -z "${SPARKGRAD_JAR:-}" ]] && needs_build; then
  echo "train-mnist: building $jar (mvn package, tests skipped) ..." >&2
  (cd "$root" && mvn -q -B -DskipTests package) >&2
fi
[[ -f "$jar" ]] || die "SPARKGRAD_JAR: no such file: $jar"
[[ -f "$properties" ]] || die "SPARKGRAD_SPARK_CONF: no such file: $properties"

submit=(--properties-file "$properties" --load-spark-defaults)
if [[ -n "${SPARK_MASTER:-}" ]]; then
  submit+=(--master "$SPARK_MASTER")
fi
extra=()
read -r -a extra <<< "${SPARK_SUBMIT_ARGS:-}"
submit+=(${extra[@]+"${extra[@]}"})
submit+=(--class io.sparkgrad.cli.Main "$jar" train --data "$data" --model "$model" "$@")

if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
  exec "$SPARK_HOME/bin/spark-submit" "${submit[@]}"
fi
# No Spark install: Spark's launcher builds the java command bin/spark-submit would run (module
# options, spark.driver.memory from the properties file), on the Maven-resolved Spark jars.
exec "$root/scripts/standalone-cluster.sh" spark-class org.apache.spark.deploy.SparkSubmit \
  "${submit[@]}"

#!/usr/bin/env bash
# Nightly evaluation of a saved model: spark-submit of `sparkgrad evaluate`, which appends one row
# to the metrics table (Parquet, partitioned by run_date), writes the HTML report beside it, and
# exits with evaluate's code, so the scheduler sees a failure (README: "Evaluation", exit codes):
#   0 passed, 7 accuracy below MIN_ACCURACY (the row is written all the same),
#   3 bad data, 6 bad or mismatched model, 2 bad arguments, 1 anything else.
#
#   MODEL=hdfs:///models/mnist-current DATA=hdfs:///datasets/mnist \
#   METRICS=hdfs:///metrics/sparkgrad-evaluations SPARK_MASTER=yarn jobs/evaluate-nightly.sh
#
# Environment:
#   MODEL          the model folder (written by `sparkgrad train`)                      [required]
#   DATA           IDX folder or Parquet table (from `sparkgrad prepare`)               [required]
#   METRICS        the metrics table to append to                                       [required]
#   MIN_ACCURACY   fail (exit 7) below this test accuracy                       [default: 0.97]
#   RUN_DATE       the run_date partition, YYYY-MM-DD                  [default: today in UTC]
#   SPLIT          test | train | all                                          [default: test]
#   SPARK_MASTER   spark-submit --master (unset: the Spark install's default, else local[*])
#   SPARK_HOME     a Spark 4.2 (Scala 2.13) install: its bin/spark-submit submits. Without one,
#                  SparkSubmit runs from this checkout's Maven-resolved jars (target/classpath.txt)
#   SPARKGRAD_JAR  the application jar [default: target/sparkgrad.jar, built when missing or
#                  older than the sources]
#   SPARK_SUBMIT_ARGS  more spark-submit options, split at spaces
#                  (e.g. "--deploy-mode cluster --conf spark.executor.memory=1g")
#   SPARKGRAD_DRIVER_MEMORY  driver heap without SPARK_HOME [default: 2g]
# Any arguments are passed on to `sparkgrad evaluate` (e.g. --report PATH, --partitions N).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${SPARKGRAD_JAR:-$root/target/sparkgrad.jar}"
classpath_file="$root/target/classpath.txt"

die() { echo "evaluate-nightly: $*" >&2; exit 2; }
[[ -n "${MODEL:-}" ]] || die "MODEL: required (the model folder to evaluate)"
[[ -n "${DATA:-}" ]] || die "DATA: required (an IDX folder or a Parquet table)"
[[ -n "${METRICS:-}" ]] || die "METRICS: required (the metrics table to append to)"

needs_build() {
  [[ ! -f "$jar" || ! -f "$classpath_file" ]] && return 0
  [[ -n "$(find "$root/src/main" "$root/pom.xml" "$root/conf" -newer "$jar" -type f -print -quit)" ]]
}
if [[ -z "${SPARKGRAD_JAR:-}" ]] && needs_build; then
  echo "evaluate-nightly: building $jar (mvn package, tests skipped) ..." >&2
  (cd "$root" && mvn -q -B -DskipTests package) >&2
fi
[[ -f "$jar" ]] || die "SPARKGRAD_JAR: no such file: $jar"

submit=(--class io.sparkgrad.cli.Main --name sparkgrad-evaluate-nightly
  --conf spark.executorEnv.OPENBLAS_NUM_THREADS=1)
if [[ -n "${SPARK_MASTER:-}" ]]; then
  submit+=(--master "$SPARK_MASTER")
fi
extra=()
read -r -a extra <<< "${SPARK_SUBMIT_ARGS:-}"
submit+=(${extra[@]+"${extra[@]}"})
submit+=("$jar" evaluate --model "$MODEL" --data "$DATA" --metrics-out "$METRICS"
  --min-accuracy "${MIN_ACCURACY:-0.97}" --run-date "${RUN_DATE:-$(date -u +%F)}"
  --split "${SPLIT:-test}" "$@")

if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
  exec "$SPARK_HOME/bin/spark-submit" "${submit[@]}"
fi

# No Spark install: run SparkSubmit itself on the Maven-resolved Spark jars, with the JVM module
# options Spark's launcher would add (scripts/spark-module-options.sh).
[[ -f "$classpath_file" ]] || die "no $classpath_file: run 'mvn -DskipTests package' first"

# shellcheck source=scripts/spark-module-options.sh
source "$root/scripts/spark-module-options.sh"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec java "${spark_module_options[@]}" -Xmx"${SPARKGRAD_DRIVER_MEMORY:-2g}" \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$(cat "$classpath_file")" org.apache.spark.deploy.SparkSubmit "${submit[@]}"

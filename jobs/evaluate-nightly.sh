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
#                  scripts/standalone-cluster.sh spark-class runs SparkSubmit from this checkout's
#                  Maven-resolved jars, through Spark's own launcher (as jobs/train-mnist.sh does)
#   SPARKGRAD_JAR  the application jar [default: target/sparkgrad.jar, built when missing or
#                  older than the sources]
#   SPARKGRAD_NATIVE_JAR  the native OpenBLAS jar sent with the job (--jars) [default: the one
#                  Maven resolved; empty: none] (README: Native BLAS)
#   SPARKGRAD_SECRET_FILE  the cluster's shared secret (mode 600 or 400), e.g. DIR/secret of
#                  scripts/standalone-cluster.sh start: the job authenticates with it
#                  (spark.authenticate), through a private temporary properties file removed
#                  when the job ends, never on a command line [default: no authentication]
#   SPARK_SUBMIT_ARGS  more spark-submit options, split at spaces
#                  (e.g. "--deploy-mode cluster --conf spark.executor.memory=1g")
#   SPARKGRAD_DRIVER_MEMORY  the driver's heap (--driver-memory) [default without SPARK_HOME: 2g;
#                  with it: the install's setting]
# Any arguments are passed on to `sparkgrad evaluate` (e.g. --report PATH, --partitions N).
set -euo pipefail

launch_name=evaluate-nightly
# shellcheck source=scripts/launch.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/launch.sh"
[[ -n "${MODEL:-}" ]] || launch_die "MODEL: required (the model folder to evaluate)"
[[ -n "${DATA:-}" ]] || launch_die "DATA: required (an IDX folder or a Parquet table)"
[[ -n "${METRICS:-}" ]] || launch_die "METRICS: required (the metrics table to append to)"

launch_build_if_stale
launch_secret_properties ""

submit=(--name sparkgrad-evaluate-nightly --conf spark.executorEnv.OPENBLAS_NUM_THREADS=1)
[[ -z "$launch_properties" ]] || submit+=(--properties-file "$launch_properties" --load-spark-defaults)
if [[ -n "${SPARKGRAD_DRIVER_MEMORY:-}" || -z "${SPARK_HOME:-}" ]]; then
  submit+=(--driver-memory "${SPARKGRAD_DRIVER_MEMORY:-2g}")
fi
if [[ -n "${SPARK_MASTER:-}" ]]; then
  submit+=(--master "$SPARK_MASTER")
fi
extra=()
read -r -a extra <<< "${SPARK_SUBMIT_ARGS:-}"
submit+=(${extra[@]+"${extra[@]}"})
submit+=(--class io.sparkgrad.cli.Main "$launch_jar" evaluate --model "$MODEL" --data "$DATA"
  --metrics-out "$METRICS" --min-accuracy "${MIN_ACCURACY:-0.97}"
  --run-date "${RUN_DATE:-$(date -u +%F)}" --split "${SPLIT:-test}" "$@")
launch_submit "${submit[@]}"

#!/usr/bin/env bash
# Trains the network on MNIST on a Spark cluster: spark-submit of the thin jar with the Spark
# settings of conf/spark-defaults.conf and the native OpenBLAS jar (scripts/launch.sh).
#
#   SPARK_MASTER=spark://host:7077 DATA=hdfs:///datasets/mnist MODEL=hdfs:///models/mnist-1 \
#     jobs/train-mnist.sh [--epochs 10 ...]
#
# Arguments: options of `sparkgrad train` (scripts/sparkgrad train --help); --data and --model
# come from DATA and MODEL. The exit code is the job's (README: Exit codes). The ready
# configurations are packaged in the jar, so they work in either deploy mode:
#   jobs/train-mnist.sh --config best-plain        # 98.7% test accuracy, no augmentation
#   jobs/train-mnist.sh --config best-augmented    # 99.3%, images augmented on the executors
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
#   SPARKGRAD_NATIVE_JAR  the native OpenBLAS jar (org.bytedeco:openblas, 19.7 MB) sent with the job
#                  (--jars), so that executors without a system BLAS run native; default the one
#                  Maven resolved (target/classpath.txt); empty: send none (README: Native BLAS)
#   SPARKGRAD_SPARK_CONF  the Spark properties file; default conf/spark-defaults.conf
#   SPARKGRAD_SECRET_FILE  a file holding the cluster's shared secret, e.g. DIR/secret of
#                  scripts/standalone-cluster.sh start: the job authenticates with it
#                  (spark.authenticate). It must be readable by its owner only (mode 600 or 400).
#                  The secret reaches spark-submit in a private temporary copy of the properties
#                  file, removed when the job ends, never on a command line. Unset: no
#                  authentication (a cluster started by scripts/standalone-cluster.sh refuses the
#                  job)
#   SPARK_SUBMIT_ARGS     more spark-submit options, split at spaces, e.g.
#                  "--deploy-mode cluster --total-executor-cores 8 --conf spark.ui.enabled=false"
#                  (in cluster mode DATA, MODEL and the jar must be reachable from the Workers)
set -euo pipefail

launch_name=train-mnist
# shellcheck source=scripts/launch.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/launch.sh"
properties="${SPARKGRAD_SPARK_CONF:-$launch_root/conf/spark-defaults.conf}"
data="${DATA:-$launch_root/data/mnist}"
model="${MODEL:-$launch_root/models/mnist-$(date -u +%Y%m%d-%H%M%S)}"

launch_build_if_stale
[[ -f "$properties" ]] || launch_die "SPARKGRAD_SPARK_CONF: no such file: $properties"
launch_secret_properties "$properties"

submit=(--properties-file "$launch_properties" --load-spark-defaults)
if [[ -n "${SPARK_MASTER:-}" ]]; then
  submit+=(--master "$SPARK_MASTER")
fi
extra=()
read -r -a extra <<< "${SPARK_SUBMIT_ARGS:-}"
submit+=(${extra[@]+"${extra[@]}"})
submit+=(--class io.sparkgrad.cli.Main "$launch_jar" train --data "$data" --model "$model" "$@")
launch_submit "${submit[@]}"

#!/usr/bin/env bash
# Trains the network on MNIST on a Spark cluster: spark-submit of the thin jar with the Spark
# settings of conf/spark-defaults.conf.
#
#   SPARK_MASTER=spark://host:7077 DATA=hdfs:///datasets/mnist MODEL=hdfs:///models/mnist-1 \
#     jobs/train-mnist.sh [--epochs 10 --partitions 8 ...]
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

# With a secret: a private copy of the properties with spark.authenticate and the secret added,
# removed when the job ends. A driver on a spark:// master needs spark.authenticate.secret itself
# (SecurityManager.initializeAuth requires it; Spark 4.2 reads spark.authenticate.secret.file only
# for Kubernetes masters), and a properties file keeps it off the command line.
# In --deploy-mode cluster Spark itself passes the driver's properties, the secret included, as
# -D options of the driver's java command on a Worker; on shared machines keep to client mode.
submit_properties="$properties"
authenticated_properties=""
if [[ -n "${SPARKGRAD_SECRET_FILE:-}" ]]; then
  [[ -f "$SPARKGRAD_SECRET_FILE" && -r "$SPARKGRAD_SECRET_FILE" ]] \
    || die "SPARKGRAD_SECRET_FILE: no readable file $SPARKGRAD_SECRET_FILE"
  mode="$(stat -c '%a' "$SPARKGRAD_SECRET_FILE")"
  [[ "$mode" =~ ^[0-7]?[4-7]00$ ]] \
    || die "SPARKGRAD_SECRET_FILE: $SPARKGRAD_SECRET_FILE has mode $mode; expected 600 or 400 (readable by its owner only): chmod 600 it"
  secret="$(head -n 1 "$SPARKGRAD_SECRET_FILE")"
  [[ "$secret" =~ ^[A-Za-z0-9+/=_-]{16,}$ ]] \
    || die "SPARKGRAD_SECRET_FILE: $SPARKGRAD_SECRET_FILE: expected a secret of at least 16 letters, digits or base64 characters on its first line"
  authenticated_properties="$(umask 077 && mktemp "${TMPDIR:-/tmp}/sparkgrad-submit.XXXXXX")"
  trap 'rm -f "$authenticated_properties"' EXIT
  {
    cat "$properties"
    echo
    echo "# Added by jobs/train-mnist.sh from SPARKGRAD_SECRET_FILE (this copy is removed at exit)."
    echo "spark.authenticate true"
    echo "spark.authenticate.secret $secret"
  } > "$authenticated_properties"
  unset secret
  submit_properties="$authenticated_properties"
fi

submit=(--properties-file "$submit_properties" --load-spark-defaults)
if [[ -n "${SPARK_MASTER:-}" ]]; then
  submit+=(--master "$SPARK_MASTER")
fi
extra=()
read -r -a extra <<< "${SPARK_SUBMIT_ARGS:-}"
submit+=(${extra[@]+"${extra[@]}"})
submit+=(--class io.sparkgrad.cli.Main "$jar" train --data "$data" --model "$model" "$@")

if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
  launcher=("$SPARK_HOME/bin/spark-submit")
else
  # No Spark install: Spark's launcher builds the java command bin/spark-submit would run (module
  # options, spark.driver.memory from the properties file), on the Maven-resolved Spark jars.
  launcher=("$root/scripts/standalone-cluster.sh" spark-class org.apache.spark.deploy.SparkSubmit)
fi
if [[ -z "$authenticated_properties" ]]; then
  exec "${launcher[@]}" "${submit[@]}"
fi
# With a secret the script stays, to remove the private properties copy when the job ends.
status=0
"${launcher[@]}" "${submit[@]}" || status=$?
exit "$status"

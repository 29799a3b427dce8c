# Sourced by scripts/sparkgrad, jobs/train-mnist.sh and jobs/evaluate-nightly.sh: the one place
# that builds the checkout when it is stale, puts the classpath and JVM options together, ships
# the bundled native BLAS, handles the cluster secret, and launches either sparkgrad on an
# embedded local Spark or spark-submit (an install's bin/spark-submit, else Spark's own launcher
# on the Maven-resolved jars through scripts/standalone-cluster.sh spark-class).
#
# The sourcing script sets `launch_name` (its name in messages) first. Environment:
#   SPARKGRAD_JAR          the application jar; default target/sparkgrad.jar, built when missing or
#                          older than the sources (a given jar is used as it is)
#   SPARKGRAD_NATIVE_JAR   the org.bytedeco:openblas jar shipped to spark-submit with --jars;
#                          default the one of target/classpath.txt; empty: ship none
#   SPARKGRAD_SECRET_FILE  the cluster's shared secret (see launch_secret_properties)
#   SPARK_HOME             a Spark 4.2 (Scala 2.13) install whose bin/spark-submit submits
# shellcheck shell=bash

launch_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
launch_classpath_file="$launch_root/target/classpath.txt"
launch_jar="${SPARKGRAD_JAR:-$launch_root/target/sparkgrad.jar}"

launch_die() { echo "${launch_name:-sparkgrad}: $*" >&2; exit 2; }

# launch_build_if_stale: `mvn package` when the checkout's jar or classpath is missing or older
# than anything packaged (sources, pom.xml, conf/). A jar given in SPARKGRAD_JAR is never built.
launch_build_if_stale() {
  if [[ -n "${SPARKGRAD_JAR:-}" ]]; then
    [[ -f "$launch_jar" ]] || launch_die "SPARKGRAD_JAR: no such file: $launch_jar"
    return 0
  fi
  if [[ ! -f "$launch_jar" || ! -s "$launch_classpath_file" \
      || -n "$(find "$launch_root/src/main" "$launch_root/pom.xml" "$launch_root/conf" \
                 -newer "$launch_jar" -type f -print -quit)" ]]; then
    echo "${launch_name:-sparkgrad}: building (mvn package, tests skipped) ..." >&2
    (cd "$launch_root" && mvn -q -B -DskipTests package) >&2
  fi
  [[ -f "$launch_jar" ]] || launch_die "no $launch_jar after the build"
}

# Local Spark stays on loopback; one BLAS thread per Spark task (tasks already fill the cores).
launch_environment() {
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
  export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
}

# launch_local ARGS...: replaces the shell with sparkgrad's Main on an embedded local Spark.
# SPARKGRAD_DRIVER_MEMORY (default 6g) is its heap, SPARKGRAD_JAVA_OPTS more JVM flags.
launch_local() {
  launch_build_if_stale
  launch_environment
  # shellcheck source=scripts/spark-module-options.sh
  source "$launch_root/scripts/spark-module-options.sh"
  # Transparent huge pages for the heap where the kernel offers them (madvise or always): the
  # cached blocks are hundreds of MB read a row at a time in random order, and with 4 KB pages
  # each row costs TLB misses (gathering a batch measured 2-4x faster with them; docs/benchmarks).
  local huge_pages=()
  if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    huge_pages=(-XX:+UseTransparentHugePages)
  fi
  local cds=()
  launch_class_sharing
  # local-cluster[N,C,M] launches executor JVMs the way an installed Spark would: their launcher
  # needs a SPARK_HOME with a jars/ folder (empty will do: the classpath comes with the
  # application) and the Scala version.
  if [[ " $* " == *" --master local-cluster"* || " $* " == *" --master=local-cluster"* ]]; then
    if [[ -z "${SPARK_HOME:-}" ]]; then
      export SPARK_HOME="$launch_root/target/spark-home"
      mkdir -p "$SPARK_HOME/jars"
    fi
    export SPARK_SCALA_VERSION="${SPARK_SCALA_VERSION:-2.13}"
  fi
  # shellcheck disable=SC2086
  exec java "${spark_module_options[@]}" \
    -Xmx"${SPARKGRAD_DRIVER_MEMORY:-6g}" \
    -XX:+UseParallelGC \
    ${huge_pages[@]+"${huge_pages[@]}"} \
    ${cds[@]+"${cds[@]}"} \
    -Dlog4j2.configurationFile="$launch_root/conf/log4j2.properties" \
    ${SPARKGRAD_JAVA_OPTS:-} \
    -cp "$launch_jar:$(cat "$launch_classpath_file")" io.sparkgrad.cli.Main "$@"
}

# launch_class_sharing: sets cds to the JVM options of application class-data sharing, which
# spares the JVM most of the work of loading Spark's classes (about 3 s of CPU of a run here:
# docs/benchmarks/startup.md). The first run after a build writes an archive of the classes it
# loaded when it exits, to a file named after its PID (the launcher execs java, so $$ is the
# JVM's PID); a later run adopts a finished one (its JVM gone, and a check JVM maps it with
# -Xshare:on: a run killed while writing leaves a file that is deleted instead, and so is the
# small archive of a run that never started Spark) and uses it.
# The archive is tied to the jar and the classpath: a newer build writes a new one.
# SPARKGRAD_CDS=off: none of this.
launch_class_sharing() {
  [[ "${SPARKGRAD_CDS:-on}" != off ]] || return 0
  local dir="$launch_root/target/cds" archive part pid classpath quiet=(-Xlog:cds=off -Xlog:cds+dynamic=off)
  archive="$dir/sparkgrad.jsa"
  classpath="$launch_jar:$(cat "$launch_classpath_file")"
  mkdir -p "$dir" 2>/dev/null || return 0
  for part in "$dir"/sparkgrad-*.jsa.part; do
    [[ -f "$part" ]] || continue
    pid="${part##*/sparkgrad-}"
    pid="${pid%.jsa.part}"
    ! kill -0 "$pid" 2>/dev/null || continue # still running (or writing)
    # Under 40 MB the run did not start Spark (--help, refused input): too few classes to keep.
    if [[ "$part" -nt "$launch_jar" && "$part" -nt "$launch_classpath_file" ]] \
        && (( $(stat -c %s "$part") >= 40000000 )) \
        && java -Xshare:on -XX:SharedArchiveFile="$part" -XX:+VerifySharedSpaces "${quiet[@]}" \
             -XX:ErrorFile="$dir/check-crash.log" -XX:-CreateCoredumpOnCrash \
             -cp "$classpath" -version > /dev/null 2>&1; then
      mv -f "$part" "$archive"
    else
      rm -f "$part" "$dir/check-crash.log" # the check JVM's crash report, if it crashed
    fi
  done
  if [[ -f "$archive" && "$archive" -nt "$launch_jar" && "$archive" -nt "$launch_classpath_file" ]]; then
    # No -XX:+VerifySharedSpaces here: its checksum of the whole archive (about 100 MB) cost
    # 80 ms of every start, and the archive was verified once, by the check above, before it
    # was adopted; it is never written again (a new build writes a new one).
    cds=(-XX:SharedArchiveFile="$archive" "${quiet[@]}")
  else
    cds=(-XX:ArchiveClassesAtExit="$dir/sparkgrad-$$.jsa.part" -XX:+VerifySharedSpaces "${quiet[@]}")
  fi
}

# launch_native_jar: prints the jar of the bundled OpenBLAS to ship with --jars, or nothing.
launch_native_jar() {
  if [[ -n "${SPARKGRAD_NATIVE_JAR+set}" ]]; then
    [[ -z "$SPARKGRAD_NATIVE_JAR" || -f "$SPARKGRAD_NATIVE_JAR" ]] \
      || launch_die "SPARKGRAD_NATIVE_JAR: no such file: $SPARKGRAD_NATIVE_JAR"
    printf '%s' "$SPARKGRAD_NATIVE_JAR"
    return 0
  fi
  [[ -s "$launch_classpath_file" ]] || return 0
  tr ':' '\n' < "$launch_classpath_file" | grep -m 1 '/org/bytedeco/openblas/.*\.jar$' || true
}

# launch_secret_properties PROPERTIES: sets launch_properties to PROPERTIES, or, with
# SPARKGRAD_SECRET_FILE, to a private copy (mode 600) with spark.authenticate and the secret
# added, removed when the script exits. A driver on a spark:// master needs
# spark.authenticate.secret itself (SecurityManager.initializeAuth requires it; Spark 4.2 reads
# spark.authenticate.secret.file only for Kubernetes masters), and a properties file keeps it off
# the command line. In --deploy-mode cluster Spark itself passes the driver's properties, the
# secret included, as -D options of the driver's java command on a Worker; on shared machines
# keep to client mode. PROPERTIES may be empty (no file): the copy then holds the secret only.
launch_secret_properties() {
  local properties="$1" mode secret
  launch_properties="$properties"
  launch_private_properties=""
  [[ -n "${SPARKGRAD_SECRET_FILE:-}" ]] || return 0
  [[ -f "$SPARKGRAD_SECRET_FILE" && -r "$SPARKGRAD_SECRET_FILE" ]] \
    || launch_die "SPARKGRAD_SECRET_FILE: no readable file $SPARKGRAD_SECRET_FILE"
  mode="$(stat -c '%a' "$SPARKGRAD_SECRET_FILE")"
  [[ "$mode" =~ ^[0-7]?[4-7]00$ ]] \
    || launch_die "SPARKGRAD_SECRET_FILE: $SPARKGRAD_SECRET_FILE has mode $mode; expected 600 or 400 (readable by its owner only): chmod 600 it"
  secret="$(head -n 1 "$SPARKGRAD_SECRET_FILE")"
  [[ "$secret" =~ ^[A-Za-z0-9+/=_-]{16,}$ ]] \
    || launch_die "SPARKGRAD_SECRET_FILE: $SPARKGRAD_SECRET_FILE: expected a secret of at least 16 letters, digits or base64 characters on its first line"
  launch_private_properties="$(umask 077 && mktemp "${TMPDIR:-/tmp}/sparkgrad-submit.XXXXXX")"
  trap 'rm -f "$launch_private_properties"' EXIT
  {
    [[ -z "$properties" ]] || { cat "$properties"; echo; }
    echo "# Added by ${launch_name:-sparkgrad} from SPARKGRAD_SECRET_FILE (this copy is removed at exit)."
    echo "spark.authenticate true"
    echo "spark.authenticate.secret $secret"
  } > "$launch_private_properties"
  launch_properties="$launch_private_properties"
}

# launch_submit SPARK-SUBMIT-ARGS...: spark-submit with the arguments, plus --jars with the
# bundled BLAS (before the arguments, so the caller's options and the application come after).
# Without a private properties copy the shell is replaced; with one, the script stays to remove
# it and exits with spark-submit's code.
launch_submit() {
  local native launcher=() jars=()
  launch_environment
  native="$(launch_native_jar)"
  if [[ -n "$native" ]]; then
    jars=(--jars "$native")
  elif [[ -z "${SPARKGRAD_NATIVE_JAR+set}" ]]; then
    echo "${launch_name:-sparkgrad}: no native OpenBLAS jar to send (none in $launch_classpath_file;" \
      "set SPARKGRAD_NATIVE_JAR): executors use a system BLAS if they have one, else Java" >&2
  fi
  if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
    launcher=("$SPARK_HOME/bin/spark-submit")
  else
    # No Spark install: Spark's launcher builds the java command bin/spark-submit would run
    # (module options, spark.driver.memory), on the Maven-resolved Spark jars.
    launcher=("$launch_root/scripts/standalone-cluster.sh" spark-class org.apache.spark.deploy.SparkSubmit)
  fi
  if [[ -z "${launch_private_properties:-}" ]]; then
    exec "${launcher[@]}" ${jars[@]+"${jars[@]}"} "$@"
  fi
  local status=0
  "${launcher[@]}" ${jars[@]+"${jars[@]}"} "$@" || status=$?
  exit "$status"
}

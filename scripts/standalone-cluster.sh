#!/usr/bin/env bash
# A Spark standalone cluster on this machine (on loopback by default), run from the Maven-resolved
# Spark jars (target/classpath.txt): no Spark install needed, only Java 17 and Maven.
#
#   scripts/standalone-cluster.sh start  [--workers N] [--dir DIR] [--host H] [--port P]
#                                        [--worker-cores C] [--worker-memory M]
#   scripts/standalone-cluster.sh status [--dir DIR]
#   scripts/standalone-cluster.sh stop   [--dir DIR]
#   scripts/standalone-cluster.sh spark-class CLASS [ARGS...]
#
# start       one Master and N Workers (default 1; C cores each, default 1; M memory each,
#             default 1g), all bound to the address H (default 127.0.0.1: loopback only).
#             Returns once every Worker has registered, printing the master URL. The Master
#             listens on port P (default 0: a free port, read back from its log); Workers and
#             web UIs take free ports; the REST server stays off. RPC authentication is on
#             (see Security below).
# status      which recorded processes run; exit 0 all, 1 some gone, 3 no cluster recorded.
# stop        SIGTERM to the Workers (they end their executors), then to the Master, by recorded
#             PID; waits for each to exit, with SIGKILL after SPARKGRAD_STOP_TIMEOUT s (30).
# spark-class runs a Spark class in the foreground as a Spark install's bin/spark-class does,
#             from target/spark-dist (a SPARK_HOME whose jars/ links the Maven-resolved jars):
#             jobs/train-mnist.sh runs org.apache.spark.deploy.SparkSubmit so without an install.
#
# DIR (default target/standalone-cluster) holds one cluster:
#   master-url        spark://H:PORT, written once every Worker has registered
#   master-webui-url  the Master's web UI
#   master.pid, worker-I.pid   the daemons' PIDs;   master.log, worker-I.log   their output
#   worker-I/         Worker I's work dir: per application, each executor's stdout and stderr
#   spark-home/jars/  the Spark runtime jars (symlinks) from which the Workers start executors
#   daemon.conf       Spark properties of the Master and every Worker (--properties-file),
#                     the secret among them; mode 600
#   secret            the cluster's shared secret, fresh at each start; mode 600. stop removes
#                     both once every daemon has stopped
#
# Every JVM is started as bin/spark-class starts it: org.apache.spark.launcher.Main builds the
# java command, so each gets Spark's own module options (the --add-opens list that
# <spark.module.options> in pom.xml mirrors) and honours SPARK_DAEMON_MEMORY (default 1g),
# SPARK_DAEMON_JAVA_OPTS, SPARK_MASTER_OPTS, SPARK_WORKER_OPTS as with a Spark install.
# SPARK_LOCAL_IP=H for every daemon, and so for the executors the Workers start: every socket
# (RPC, block transfer, the Master's and Workers' web UIs) is bound to H. Spark has no switch to
# turn the standalone daemons' web UIs off; with the default H they are reachable from this
# machine only. With another H they are reachable wherever H is: firewall their ports, or add a
# servlet filter (spark.ui.filters) in daemon.conf.
# SPARKGRAD_START_TIMEOUT (default 180) bounds the wait for each daemon, in seconds.
#
# Security: start turns on Spark's RPC authentication (spark.authenticate). It writes a fresh
# random 256-bit secret (64 hex digits from /dev/urandom) to DIR/secret, mode 600, for clients,
# and gives it to the daemons as spark.authenticate.secret in DIR/daemon.conf, also mode 600,
# which they load with --properties-file: the secret is never on a command line, where ps would
# show it. (spark.authenticate.secret.file would spare the second copy, but Spark 4.2 reads it
# only for Kubernetes masters, in SecurityManager.secretKeyFromFile: daemons given only the file
# fail every handshake.) The Master and Workers then refuse every connection that does not prove
# knowledge of the secret (an application without it never registers), and each Worker hands the
# secret to the executors it starts through their environment. A client needs the same secret as
# its spark.authenticate.secret: jobs/train-mnist.sh does that with SPARKGRAD_SECRET_FILE=DIR/secret.
# Authentication is not encryption: see README, Security.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
classpath_file="$root/target/classpath.txt"
start_timeout="${SPARKGRAD_START_TIMEOUT:-180}"
stop_timeout="${SPARKGRAD_STOP_TIMEOUT:-30}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
master_class=org.apache.spark.deploy.master.Master
worker_class=org.apache.spark.deploy.worker.Worker

say() { echo "standalone-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# --- the Spark runtime ------------------------------------------------------------------------

ensure_classpath() {
  if [[ ! -s "$classpath_file" ]]; then
    say "building (mvn package, tests skipped) for $classpath_file ..."
    (cd "$root" && mvn -q -B -DskipTests package) >&2
  fi
  [[ -s "$classpath_file" ]] || die "$classpath_file is missing or empty after the build"
}

# make_spark_home HOME: HOME/jars/ gets a symlink to every jar of target/classpath.txt (Spark,
# the Hadoop client, netlib BLAS, ...) but the native OpenBLAS one. Rebuilt, atomically, when the classpath has changed.
# Concurrent callers (say, two submissions at once) take turns through a lock file, so that one
# never removes the folder while another moves its copy into place.
make_spark_home() {
  local home="$1" lock
  ensure_classpath
  mkdir -p "$(dirname "$home")"
  exec {lock}> "$home.lock"
  flock "$lock"
  build_spark_home "$home"
  # Closing the descriptor releases the lock (and keeps it out of the java that spark-class execs).
  exec {lock}>&-
}

build_spark_home() {
  local home="$1" staging jar
  # "layout" marks how jars/ was made (2: without the native OpenBLAS jar), so that a change of
  # the rule rebuilds a folder made by an older script from the same classpath.
  if [[ -d "$home/jars" ]] && cmp -s "$classpath_file" "$home/classpath.txt" \
      && [[ "$(cat "$home/layout" 2>/dev/null)" == 2 ]]; then
    return 0
  fi
  staging="$(mktemp -d "$home.XXXXXX")"
  mkdir "$staging/jars"
  while IFS= read -r -d ':' jar || [[ -n "$jar" ]]; do
    jar="${jar%$'\n'}"
    [[ -n "$jar" ]] || continue
    [[ -f "$jar" ]] || die "$classpath_file names $jar, which does not exist (run mvn package)"
    # Like a Spark install's jars/, no bundled native BLAS: the jobs send it with --jars, and the
    # cluster tests check that executors get it that way.
    [[ "$jar" != */org/bytedeco/* ]] || continue
    ln -s "$jar" "$staging/jars/"
  done < "$classpath_file"
  cp "$classpath_file" "$staging/classpath.txt"
  echo 2 > "$staging/layout"
  rm -rf "$home"
  mv "$staging" "$home"
}

# build_command HOME CLASS ARGS...: sets cmd to the java command that bin/spark-class of a Spark
# install in HOME would run: Spark's launcher builds it (classpath, memory, module options).
build_command() {
  local home="$1" output word first=true
  shift
  output="$(mktemp)"
  if ! SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 \
      "$java" -Xmx128m -cp "$home/jars/*" org.apache.spark.launcher.Main "$@" > "$output"; then
    cat "$output" >&2
    rm -f "$output"
    die "Spark's launcher could not build the command for $1"
  fi
  # The launcher prints its messages (if any), a NUL, then the command as NUL-terminated words,
  # the first after a newline.
  cmd=()
  while IFS= read -r -d '' word; do
    if [[ $first == true ]]; then
      first=false
      [[ -z "$word" ]] || printf '%s' "$word" >&2
      continue
    fi
    cmd+=("${word#$'\n'}")
  done < "$output"
  rm -f "$output"
  [[ ${#cmd[@]} -gt 1 ]] || die "Spark's launcher printed no command for $1"
}

# launch HOME LOG CLASS ARGS...: starts CLASS in the background as bin/spark-class would, on
# loopback, with stdout and stderr to LOG; sets launched_pid.
launch() {
  local home="$1" log="$2"
  shift 2
  build_command "$home" "$@"
  SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP="$host" \
    "${cmd[@]}" < /dev/null > "$log" 2>&1 &
  launched_pid=$!
}

# --- the recorded processes -------------------------------------------------------------------

# pid_files: the Workers' PID files (highest number first), then the Master's.
pid_files() {
  local file n
  for file in "$dir"/worker-*.pid; do
    [[ -e "$file" ]] || continue
    n="${file##*/worker-}"
    echo "${n%.pid} $file"
  done | sort -n -r | cut -d' ' -f2-
  if [[ -e "$dir/master.pid" ]]; then echo "$dir/master.pid"; fi
}

name_of() { basename "$1" .pid; }
class_of() { [[ "$(name_of "$1")" == master ]] && echo "$master_class" || echo "$worker_class"; }

# is_running PIDFILE: its process is alive and still the daemon it was (not a reused PID).
is_running() {
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  local args
  args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
  [[ "$args" == *"$(class_of "$1")"* ]]
}

# await_exit PID TENTHS: whether PID is gone within TENTHS tenths of a second.
await_exit() {
  local tries=0
  while kill -0 "$1" 2>/dev/null; do
    (( tries++ < $2 )) || return 1
    sleep 0.1
  done
}

# stop_group PIDFILE...: SIGTERM to all, then wait for each (SIGKILL after stop_timeout).
stop_group() {
  local file pid failed=0 running=()
  for file in "$@"; do
    if is_running "$file"; then
      kill -TERM "$(cat "$file")" 2>/dev/null || true
      running+=("$file")
    else
      say "$(name_of "$file") (recorded pid $(cat "$file" 2>/dev/null || echo '?')) is not running"
      rm -f "$file"
    fi
  done
  for file in ${running[@]+"${running[@]}"}; do
    pid="$(cat "$file")"
    if ! await_exit "$pid" $((stop_timeout * 10)); then
      say "$(name_of "$file") (pid $pid) still running ${stop_timeout}s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      if ! await_exit "$pid" 100; then
        say "$(name_of "$file") (pid $pid) survived SIGKILL"
        failed=1
        continue
      fi
    fi
    say "$(name_of "$file") (pid $pid) stopped"
    rm -f "$file"
  done
  return "$failed"
}

# stop_all: the Workers first (their executors end with them), then the Master.
stop_all() {
  local files=() workers=() failed=0
  mapfile -t files < <(pid_files)
  local file
  for file in ${files[@]+"${files[@]}"}; do
    [[ "$(name_of "$file")" == master ]] || workers+=("$file")
  done
  rm -f "$dir/master-url" "$dir/master-webui-url"
  if [[ ${#workers[@]} -gt 0 ]]; then stop_group "${workers[@]}" || failed=1; fi
  if [[ -e "$dir/master.pid" ]]; then stop_group "$dir/master.pid" || failed=1; fi
  if [[ $failed == 0 ]]; then
    # Nothing uses the secret any more (the next start makes a new one): no copy is left behind.
    rm -f "$dir/secret" "$dir/daemon.conf"
  fi
  return "$failed"
}

# wait_for_log LOG REGEX PIDFILE: prints the first match of REGEX (extended) in LOG; fails when
# the process exits first or after start_timeout seconds.
wait_for_log() {
  local log="$1" regex="$2" pid_file="$3" tries=0 found
  while (( tries++ < start_timeout * 5 )); do
    found="$(grep -m1 -oE -- "$regex" "$log" 2>/dev/null || true)"
    if [[ -n "$found" ]]; then
      echo "$found"
      return 0
    fi
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      say "$(name_of "$pid_file") exited while starting; the end of $log:"
      tail -n 30 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  say "$(name_of "$pid_file"): no '$regex' in $log after ${start_timeout}s; the end of it:"
  tail -n 30 "$log" >&2
  return 1
}

# --- commands ---------------------------------------------------------------------------------

# write_secret: a fresh random secret in DIR/secret, mode 600 (written to a private temporary
# file and renamed into place, so it is never readable by others, not even half-written).
# Hex digits: safe in a Java properties file and in any shell.
write_secret() {
  local temporary secret
  secret="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  [[ "$secret" =~ ^[0-9a-f]{64}$ ]] || die "could not read 32 random bytes from /dev/urandom"
  temporary="$(umask 077 && mktemp "$dir/.secret.XXXXXX")"
  printf '%s\n' "$secret" > "$temporary"
  chmod 600 "$temporary"
  mv -f "$temporary" "$dir/secret"
}

# The Spark properties of the Master and every Worker (--properties-file), mode 600 since it
# holds the secret. Both daemons read it; the Workers hand what executors need on to them (the
# secret through the executors' environment, never their command line).
write_daemon_conf() {
  (
    umask 077
    {
      echo "# Written by scripts/standalone-cluster.sh start; read by the Master and every Worker."
      echo "# The REST submission server would take the fixed port 6066; spark-submit uses RPC."
      echo "spark.master.rest.enabled false"
      echo "# RPC authentication with the shared secret of this cluster (README: Security)."
      echo "spark.authenticate true"
      echo "spark.authenticate.secret $(cat "$dir/secret")"
    } > "$dir/daemon.conf"
    chmod 600 "$dir/daemon.conf"
  )
}

start_succeeded=false
on_start_exit() {
  if [[ $start_succeeded != true ]]; then
    say "start failed; stopping what was started (logs in $dir)"
    stop_all || true
  fi
}

cmd_start() {
  local file files=()
  mkdir -p "$dir"
  mapfile -t files < <(pid_files)
  for file in ${files[@]+"${files[@]}"}; do
    if is_running "$file"; then
      die "a cluster from $dir is running ($(name_of "$file"), pid $(cat "$file")); stop it first: $0 stop --dir $dir"
    fi
    rm -f "$file"
  done
  rm -f "$dir/master-url" "$dir/master-webui-url"
  local home="$dir/spark-home"
  make_spark_home "$home"
  write_secret
  write_daemon_conf
  trap on_start_exit EXIT

  launch "$home" "$dir/master.log" "$master_class" \
    --host "$host" --port "$master_port" --webui-port 0 --properties-file "$dir/daemon.conf"
  echo "$launched_pid" > "$dir/master.pid"
  local url webui
  url="$(wait_for_log "$dir/master.log" 'Starting Spark master at spark://[^ ]+' "$dir/master.pid")"
  url="${url#Starting Spark master at }"
  # (The log may name the UI http://localhost:PORT; it is bound to $host only.)
  webui="$(wait_for_log "$dir/master.log" "service 'MasterUI' on port [0-9]+" "$dir/master.pid")"
  webui="http://$host:${webui##* }"
  say "master (pid $launched_pid) at $url, web UI $webui; RPC authentication on, secret in $dir/secret"

  local i
  for ((i = 1; i <= workers; i++)); do
    mkdir -p "$dir/worker-$i"
    launch "$home" "$dir/worker-$i.log" "$worker_class" \
      --host "$host" --port 0 --webui-port 0 --cores "$worker_cores" --memory "$worker_memory" \
      --work-dir "$dir/worker-$i" --properties-file "$dir/daemon.conf" "$url"
    echo "$launched_pid" > "$dir/worker-$i.pid"
  done
  for ((i = 1; i <= workers; i++)); do
    wait_for_log "$dir/worker-$i.log" 'Successfully registered with master' \
      "$dir/worker-$i.pid" > /dev/null
    say "worker-$i (pid $(cat "$dir/worker-$i.pid")) registered: $worker_cores core(s), $worker_memory"
  done
  echo "$webui" > "$dir/master-webui-url"
  echo "$url" > "$dir/master-url"
  start_succeeded=true
  echo "$url"
}

cmd_status() {
  local file files=() all=true
  mapfile -t files < <(pid_files)
  if [[ ${#files[@]} -eq 0 ]]; then
    echo "no cluster recorded in $dir"
    return 3
  fi
  for file in "${files[@]}"; do
    if is_running "$file"; then
      echo "$(name_of "$file"): running, pid $(cat "$file")"
    else
      echo "$(name_of "$file"): not running (recorded pid $(cat "$file"))"
      all=false
    fi
  done
  if [[ -s "$dir/master-url" ]]; then echo "master URL: $(cat "$dir/master-url")"; fi
  if [[ -s "$dir/master-webui-url" ]]; then echo "web UI: $(cat "$dir/master-webui-url")"; fi
  [[ $all == true ]] || return 1
}

cmd_stop() {
  if [[ -z "$(pid_files)" ]]; then
    say "no cluster recorded in $dir"
    return 0
  fi
  stop_all
}

# --- arguments --------------------------------------------------------------------------------

[[ $# -ge 1 ]] || usage
command="$1"
shift
if [[ "$command" == spark-class ]]; then
  [[ $# -ge 1 ]] || die "spark-class: expected a class name and its arguments"
  make_spark_home "$root/target/spark-dist"
  build_command "$root/target/spark-dist" "$@"
  SPARK_HOME="$root/target/spark-dist" SPARK_SCALA_VERSION=2.13 exec "${cmd[@]}"
fi
dir="$root/target/standalone-cluster"
workers=1
host=127.0.0.1
master_port=0
worker_cores=1
worker_memory=1g
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a folder}"; shift 2 ;;
    --workers) workers="${2:?--workers needs a number}"; shift 2 ;;
    --host) host="${2:?--host needs an address}"; shift 2 ;;
    --port) master_port="${2:?--port needs a number}"; shift 2 ;;
    --worker-cores) worker_cores="${2:?--worker-cores needs a number}"; shift 2 ;;
    --worker-memory) worker_memory="${2:?--worker-memory needs a size such as 1g}"; shift 2 ;;
    -h|--help) usage ;;
    *) say "unknown argument '$1'"; usage ;;
  esac
done
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "--workers: expected an integer >= 1; found '$workers'"
[[ "$host" =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$ ]] || die "--host: expected an IP address or host name; found '$host'"
[[ "$master_port" =~ ^[0-9]+$ ]] || die "--port: expected a port number, or 0 for a free one; found '$master_port'"
[[ "$worker_cores" =~ ^[1-9][0-9]*$ ]] || die "--worker-cores: expected an integer >= 1; found '$worker_cores'"
[[ "$worker_memory" =~ ^[1-9][0-9]*[mMgG]$ ]] || die "--worker-memory: expected a size such as 512m or 1g; found '$worker_memory'"
mkdir -p "$(dirname "$dir")"
dir="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"

case "$command" in
  start) cmd_start ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  -h|--help|help) usage ;;
  *) say "unknown command '$command'"; usage ;;
esac

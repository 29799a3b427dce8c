#!/usr/bin/env bash
# The benchmark harness: sparkgrad against Spark MLlib and against the machine's compute limit,
# on this machine, in one run. Writes docs/benchmarks/results.md (tables) and results.json.
#
#   scripts/bench.sh            # the recorded run (11-25 minutes on 2 cores, with the load)
#   scripts/bench.sh --quick    # reduced set, a few minutes: checks the harness works; writes
#                               # target/bench-quick/results.{md,json}, not docs/benchmarks
#   scripts/bench.sh --out DIR  # write the report elsewhere
#   scripts/bench.sh --scale    # also the mnist8m-scale part (an hour or more; ~7 GB of disk
#                               # under SPARKGRAD_SCALE_WORK, default /tmp/sparkgrad-scale); its
#                               # 6.4 GB of cached blocks need a larger driver, as recorded:
#                               # SPARKGRAD_DRIVER_MEMORY=9500m
#                               # SPARKGRAD_JAVA_OPTS="-Xmn1g -Dspark.memory.fraction=0.8"
#   scripts/bench.sh --scaling  # only the epoch cost model (docs/scaling.md): limit, then
#                               # 'scaling measure' on local[2] and local-cluster[E,1,1024] for
#                               # E = 1, 2, 3, then 'scaling report' (scaling.md, scaling.json);
#                               # about 9 minutes (--quick: about 5)
#
# Parts, each in a JVM of its own (logs and raw JSON in target/bench/):
#   limit    GEMM and training-pass GFLOPS at the training shapes (native and Java BLAS), and
#            sparkgrad's PartitionWorker for one epoch without Spark; no Spark
#   train    `scripts/sparkgrad train` with the defaults on local[2], timed from outside
#            (JVM start included), peak RSS from /usr/bin/time -v (else /proc/PID VmHWM)
#   trainer  SparkTrainer in process on local[2]: data ×1/×2/×4, H 100/256/800, 1/2/4
#            partitions, sync-period 1/10/50/epoch, --blas java
#   cluster  the same trainer on local-cluster[2,1,1024] (2 executor JVMs)
#   mllib    MultilayerPerceptronClassifier 784-100-10 and 784-256-10, l-bfgs, blockSize 128
#   scaling  (--scaling only) the constants of the epoch cost model on one master (Spark job
#            per task count, broadcast and exact tree aggregation of 1.6 and 4.9 MB, today's
#            trainer at sync-period epoch/10/1); 'scaling report' fits them, checks the model
#            against the measured epochs and predicts 1-256 executors (ScalingRuns, CostModel)
#   scale    (--scale only) `expand --copies 135` (8.1 million examples, mnist8m's size), then
#            the default network for 3 epochs on local[2]: s/epoch and its ratio to the compute
#            limit measured after the run at its own rows per thread (batch / threads),
#            examples/s, peak RSS, test accuracy per epoch, and the time and disk of expand
#            (about 5 minutes once expanded; HarnessMain scale --batch-size B --learning-rate X
#            trains that batch as well)
#   report   results.md and results.json from the parts' JSON
# The harness code is src/bench/java, compiled by every build as test sources (MLlib test-scoped):
# it never reaches the shipped jar.
# A part that fails is reported as not measured; the script then exits 1 after the report.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=false
scale=false
scaling=false
out=""
for ((i = 1; i <= $#; i++)); do
  case "${!i}" in
    --quick) quick=true ;;
    --scale) scale=true ;;
    --scaling) scaling=true ;;
    --out) i=$((i + 1)); out="${!i:?--out needs a folder}" ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '${!i}' (expected --quick, --scale, --scaling or --out DIR)" >&2; exit 2 ;;
  esac
done
command_line="scripts/bench.sh${*:+ $*}"
if [[ $quick == true ]]; then
  work="$root/target/bench-quick"
  out="${out:-$work}"
  quick_flag=(--quick)
else
  work="$root/target/bench"
  out="${out:-$root/docs/benchmarks}"
  quick_flag=()
fi

say() { echo "bench: $*" >&2; }
json_string() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# --- the data ---------------------------------------------------------------------------------
if [[ -d "$root/../shared/datasets/mnist" ]]; then
  data="$(cd "$root/../shared/datasets/mnist" && pwd)"
else
  scripts/fetch-mnist.sh data/mnist >&2
  data="$root/data/mnist"
fi

# --- the build (jar, harness classes, the harness classpath) ------------------------------------
say "building (mvn -Pharness package, tests skipped) ..."
mvn -q -B -Pharness -DskipTests package >&2

rm -rf "$work"
mkdir -p "$work"

# --- the machine --------------------------------------------------------------------------------
blas_library=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo "none")
blas_package=$(dpkg-query -W -f='${Package} ${Version}' libopenblas0-pthread 2>/dev/null \
  || echo "libopenblas0-pthread not installed")
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
java_version=$(java -version 2>&1 | head -1)
spark_jar=$(tr ':' '\n' < target/classpath.txt | grep -m1 'spark-core_' || true)
spark_version=$(basename "${spark_jar:-unknown}" .jar)
memory=$(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)
load_start=$(load_average)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "bench: $started $command_line"
echo "bench: cores $(nproc), $cpu_model, $memory"
echo "bench: $java_version; ${spark_version}"
echo "bench: system BLAS $blas_library ($blas_package); OPENBLAS_NUM_THREADS=1 per task; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "bench: load average $load_start"
echo "bench: data $data; results to $out"

# shellcheck source=scripts/spark-module-options.sh
source "$root/scripts/spark-module-options.sh"
export SPARK_LOCAL_IP=127.0.0.1
export OPENBLAS_NUM_THREADS=1
# The same JVM flags as scripts/sparkgrad: transparent huge pages where the kernel offers them.
huge_pages=()
if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
  huge_pages=(-XX:+UseTransparentHugePages)
fi
# local-cluster needs a SPARK_HOME with a jars/ folder (empty: executors get our classpath).
export SPARK_HOME="$work/spark-home"
export SPARK_SCALA_VERSION=2.13
mkdir -p "$SPARK_HOME/jars"

failed=()
part_number=0

# harness PART ARGS...: runs a part of the harness; its output goes to $work/PART.log, its
# progress lines to the console.
harness() {
  part_number=$((part_number + 1))
  local part="$1" log="$work/part-$part_number-$1.log"
  shift
  say "part '$part' $* ..."
  set +e
  java "${spark_module_options[@]}" -Xmx6g -XX:+UseParallelGC ${huge_pages[@]+"${huge_pages[@]}"} \
    -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
    -cp "$root/target/test-classes:$root/target/classes:$(cat "$root/target/harness-classpath.txt")" \
    io.sparkgrad.bench.HarnessMain "$part" "$@" 2>&1 | tee "$log" | grep --line-buffered '^harness:'
  local code=${PIPESTATUS[0]}
  set -e
  if [[ $code -ne 0 ]]; then
    say "part '$part' failed (exit $code); the end of $log:"
    tail -n 20 "$log" >&2
    failed+=("$part $*")
  fi
}

# train_command N ARGS...: `scripts/sparkgrad train` with ARGS, wall time measured from before
# the JVM starts to its exit, and the peak RSS; writes $work/cli-N.json.
train_command() {
  local n="$1"
  shift
  local model="$work/cli-model-$n"
  local args=(train --data "$data" --model "$model" --master 'local[2]' "$@")
  local load_before code=0 rss rss_source start end
  load_before=$(load_average)
  say "train command $n: scripts/sparkgrad ${args[*]}"
  start=$(date +%s.%N)
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -v -o "$work/cli-$n.time" scripts/sparkgrad "${args[@]}" \
      > "$work/cli-$n.out" 2> "$work/cli-$n.err" || code=$?
    end=$(date +%s.%N)
    rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/cli-$n.time")
    rss_source="/usr/bin/time -v: Maximum resident set size"
  else
    # Without GNU time (Debian: apt-get install time): the JVM's VmHWM, polled (scripts/sparkgrad
    # execs java, so the PID is the JVM's).
    scripts/sparkgrad "${args[@]}" > "$work/cli-$n.out" 2> "$work/cli-$n.err" &
    local pid=$! hwm
    rss=0
    while kill -0 "$pid" 2>/dev/null; do
      hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [[ -n "$hwm" ]] && rss=$hwm
      sleep 0.2
    done
    wait "$pid" || code=$?
    end=$(date +%s.%N)
    rss_source="/proc/PID/status VmHWM, polled every 0.2 s"
  fi
  grep -E '^(epoch|test accuracy|target)' "$work/cli-$n.out" | sed 's/^/bench:   /' >&2 || true
  if [[ $code -ne 0 ]]; then
    say "train command $n failed (exit $code); the end of its output:"
    tail -n 20 "$work/cli-$n.err" >&2
    failed+=("train command $n")
  fi
  {
    echo "{"
    echo "  \"command\": $(json_string "scripts/sparkgrad ${args[*]}"),"
    echo "  \"model\": $(json_string "$model"),"
    echo "  \"exitCode\": $code,"
    echo "  \"wallSeconds\": $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}'),"
    echo "  \"maxRssKb\": ${rss:-0},"
    echo "  \"rssSource\": $(json_string "$rss_source"),"
    echo "  \"loadAverageBefore\": $(json_string "$load_before"),"
    echo "  \"loadAverageAfter\": $(json_string "$(load_average)")"
    echo "}"
  } > "$work/cli-$n.json"
}

common=(--data "$data" --out "$work" "${quick_flag[@]}")

if [[ $scaling == true ]]; then
  # The model needs H 256 on native BLAS only: the limit part's quick set.
  harness limit --data "$data" --out "$work" --quick
  for master in 'local[2]' 'local-cluster[1,1,1024]' 'local-cluster[2,1,1024]' \
      'local-cluster[3,1,1024]'; do
    harness scaling measure "${common[@]}" --master "$master"
  done
  # Predictions at a quiet core's rate: the recorded full run's limit (a quieter machine), if any.
  recorded=()
  [[ -f docs/benchmarks/results.json ]] \
    && recorded=(--prediction-limit docs/benchmarks/results.json)
  harness scaling report --in "$work" --out "$out" ${recorded[@]+"${recorded[@]}"}
  sed -n '/^## Validation/,/^## Predictions/p' "$out/scaling.md" | sed '$d'
  if [[ ${#failed[@]} -gt 0 ]]; then
    say "failed parts: ${failed[*]}"
    exit 1
  fi
  say "done in ${SECONDS}s: $out/scaling.md"
  exit 0
fi

harness limit "${common[@]}"
if [[ $quick == true ]]; then
  train_command 1 --epochs 2
else
  train_command 1
  train_command 2
fi
harness trainer "${common[@]}" --master 'local[2]'
harness trainer "${common[@]}" --master 'local-cluster[2,1,1024]'
harness mllib "${common[@]}" --master 'local[2]'
if [[ $scale == true ]]; then
  harness scale --data "$data" --work "${SPARKGRAD_SCALE_WORK:-/tmp/sparkgrad-scale}" --out "$work"
fi

{
  echo "{"
  echo "  \"command\": $(json_string "$command_line"),"
  echo "  \"quick\": $quick,"
  echo "  \"date\": $(json_string "$started"),"
  echo "  \"cores\": $(nproc),"
  echo "  \"cpu\": $(json_string "$cpu_model"),"
  echo "  \"memory\": $(json_string "$memory"),"
  echo "  \"java\": $(json_string "$java_version"),"
  echo "  \"spark\": $(json_string "$spark_version"),"
  echo "  \"systemBlasLibrary\": $(json_string "$blas_library"),"
  echo "  \"systemBlasPackage\": $(json_string "$blas_package"),"
  echo "  \"OPENBLAS_NUM_THREADS\": \"1\","
  echo "  \"OPENBLAS_CORETYPE\": $(json_string "${OPENBLAS_CORETYPE:-unset}"),"
  echo "  \"loadAverageAtStart\": $(json_string "$load_start"),"
  echo "  \"loadAverageAtEnd\": $(json_string "$(load_average)"),"
  echo "  \"harnessSeconds\": $SECONDS"
  echo "}"
} > "$work/machine.json"

harness report --in "$work" --out "$out"
sed -n '/^## Headline/,/^## 1\./p' "$out/results.md" | sed '$d'
if [[ ${#failed[@]} -gt 0 ]]; then
  say "failed parts: ${failed[*]}"
  exit 1
fi
say "done in ${SECONDS}s: $out/results.md"

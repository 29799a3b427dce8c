#!/usr/bin/env bash
# Benchmarks one training pass (forward + backward over a 128-row block) of the two-layer
# network, native BLAS against pure Java, float32 against float64, H = 100 and 800, beside the
# GEMMs alone; writes docs/benchmarks/math.md and docs/benchmarks/math.json.
#
#   scripts/bench-math.sh            # the recorded run: about 8 minutes on 2 cores
#   scripts/bench-math.sh --quick    # smoke run (about 1 minute); numbers not for the record
#   scripts/bench-math.sh --out DIR  # write the report elsewhere
#
# JMH code lives in src/jmh/java and is compiled only under the Maven profile 'bench'
# (as test sources: never in the shipped jar). OpenBLAS runs on one thread, as in a Spark task
# on this 2-core machine; OPENBLAS_CORETYPE is left as the environment has it.
set -euo pipefail

cd "$(dirname "$0")/.."

export OPENBLAS_NUM_THREADS=1

command_line="scripts/bench-math.sh${*:+ $*}"

mvn -q -Pbench -DskipTests test-compile

blas_library=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo "none")
blas_package=$(dpkg-query -W -f='${Package} ${Version}' libopenblas0-pthread 2>/dev/null \
  || echo "libopenblas0-pthread not installed")

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) ${command_line}"
echo "# cores: $(nproc), system BLAS: ${blas_library} (${blas_package}), $(java -version 2>&1 | head -1)"

exec java -Xmx2g --add-modules=jdk.incubator.vector \
  -Dsparkgrad.bench.command="${command_line}" \
  -Dsparkgrad.bench.blasLibrary="${blas_library}" \
  -Dsparkgrad.bench.blasPackage="${blas_package}" \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.sparkgrad.bench.MathBench "$@"

#!/usr/bin/env bash
# A start-up profile of one sparkgrad command: runs it through scripts/sparkgrad with Spark's
# scheduler and sparkgrad's start-up milestones logged at INFO (conf/log4j2-profile.properties),
# and prefixes every line of output with the seconds since the command was launched, so that the
# time before the first epoch and after the last can be read phase by phase.
#   scripts/profile-startup.sh train --data ../shared/datasets/mnist --model /tmp/m
# Results: docs/benchmarks/startup.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SPARKGRAD_JAVA_OPTS="${SPARKGRAD_JAVA_OPTS:-} -Dlog4j2.configurationFile=$root/conf/log4j2-profile.properties"
exec python3 -u -c '
import subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
for line in p.stdout:
    sys.stdout.write("%7.3f %s" % (time.monotonic() - t0, line))
code = p.wait()
sys.stdout.write("%7.3f exit %d\n" % (time.monotonic() - t0, code))
sys.exit(code)
' "$root/scripts/sparkgrad" "$@"

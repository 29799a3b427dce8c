#!/usr/bin/env bash
# The layouts of issue 13, measured with the default configuration otherwise: `train` on MNIST
# with --partitions 1..64 on local[2], partitions auto on local[N] for N = 2..64, and
# local-cluster[E,1,1024] for E = 1..3 executors. Prints one Markdown table row per run: test
# accuracy, the epoch reaching 98%, training loop, whole command, replicas × threads and the
# weights' SHA-256 prefix (equal prefixes: bit-identical models).
#
#   scripts/layout-runs.sh [--data DIR] [--quick]    # --quick: 2 epochs, fewer layouts
# Runs one after another (about 15 minutes on 2 cores); take the figures on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/../shared/datasets/mnist"
[[ -d "$data" ]] || data="$root/data/mnist"
quick=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --quick) quick=true; shift ;;
    *) echo "layout-runs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
extra=()
$quick && extra=(--epochs 2)

run() { # LABEL ARGS...
  local label="$1"; shift
  local log="$work/run.log" start end
  start=$(date +%s.%N)
  if ! "$root/scripts/sparkgrad" train --data "$data" --model "$work/model" --overwrite \
      ${extra[@]+"${extra[@]}"} "$@" >"$log" 2>&1; then
    echo "| $label | failed: $(grep -m1 'error' "$log" || tail -1 "$log") | | | | | |"
    return
  fi
  end=$(date +%s.%N)
  local accuracy loop target layout hash
  accuracy=$(sed -n 's/^test accuracy \([0-9.]*%\).*/\1/p' "$log")
  loop=$(sed -n 's/.*training loop \([0-9.]* s\).*/\1/p' "$log")
  target=$(sed -n 's/^target .* first reached in epoch \([0-9]*\).*/\1/p' "$log")
  layout=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("%s / %s × %s" % (m["partitions"], m["replicas"], m["threads_per_replica"]))' "$work/model/metadata.json")
  hash=$(sha256sum "$work/model/weights.bin" | cut -c1-12)
  printf '| %s | %s | %s | %s | %.1f s | %s | `%s` |\n' "$label" "$accuracy" "${target:--}" "$loop" \
    "$(echo "$end - $start" | bc)" "$layout" "$hash"
}

echo "| layout | test accuracy | epoch reaching 98% | training loop | whole command | partitions / replicas × threads | weights |"
echo "|---|---:|---:|---:|---:|---|---|"
partitions=(1 2 4 8 16 32 64)
locals=(2 8 32 64)
executors=(1 2 3)
if $quick; then partitions=(1 2 64); locals=(64); executors=(2); fi
for p in "${partitions[@]}"; do run "local[2], --partitions $p" --master 'local[2]' --partitions "$p"; done
for n in "${locals[@]}"; do run "local[$n], partitions auto" --master "local[$n]"; done
for e in "${executors[@]}"; do run "local-cluster[$e,1,1024]" --master "local-cluster[$e,1,1024]"; done

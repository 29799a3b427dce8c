#!/usr/bin/env bash
# Epoch time with the bundled OpenBLAS against the system one, in one command: PAIRS pairs of the
# default training run (scripts/sparkgrad train on the real MNIST), alternating --blas bundled and
# --blas system so that both see the same load, then the median epoch time of each (epochs 2..N:
# the first carries the JIT warm-up) and their ratio, plus each run's whole-command seconds and the
# SHA-256 of its weights.bin.
#   scripts/bench-blas.sh [DATA] [PAIRS]     (defaults ../shared/datasets/mnist and 3)
# Needs a system libblas.so.3 (Debian: libopenblas0-pthread). Results: docs/benchmarks/startup.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/datasets/mnist}"
pairs="${2:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for ((i = 1; i <= pairs; i++)); do
  for blas in bundled system; do
    "$root/scripts/sparkgrad" train --data "$data" --model "$work/$blas-$i" --blas "$blas" \
      > "$work/$blas-$i.log" 2>&1 || { cat "$work/$blas-$i.log" >&2; exit 1; }
    echo "run $i $blas: $(grep -E 'whole command' "$work/$blas-$i.log")" >&2
  done
done

python3 - "$work" "$pairs" <<'PY'
import hashlib, json, statistics, sys
work, pairs = sys.argv[1], int(sys.argv[2])
median = {}
for blas in ("bundled", "system"):
    epochs, wholes, hashes, first = [], [], set(), []
    for i in range(1, pairs + 1):
        folder = f"{work}/{blas}-{i}"
        seconds = [e["seconds"] for e in json.load(open(f"{folder}/metrics.json"))["epochs"]]
        epochs += seconds[1:]
        first.append(seconds[0])
        meta = json.load(open(f"{folder}/metadata.json"))
        wholes.append(meta["command_seconds_before_write"])
        hashes.add(hashlib.sha256(open(f"{folder}/weights.bin", "rb").read()).hexdigest())
    median[blas] = statistics.median(epochs)
    print(f"{blas:8s} {meta['blas_library']}")
    print(f"         median epoch (2..N) {median[blas]:.3f} s over {len(epochs)} epochs;"
          f" first epochs {', '.join(f'{s:.2f}' for s in first)} s;"
          f" command before write {', '.join(f'{s:.1f}' for s in wholes)} s")
    print(f"         weights.bin sha256 {', '.join(sorted(hashes))}")
print(f"ratio bundled/system (median epoch): {median['bundled'] / median['system']:.3f}")
PY

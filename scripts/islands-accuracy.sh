#!/usr/bin/env bash
# islands-accuracy.sh: RMSE vs island count B (issue 21) — runs the islands-accuracy sweeps niced, writes the table and the plot.
# Usage: bash scripts/islands-accuracy.sh [--quick]   (after scripts/build.sh; progress lines from the sweep on stderr)
# Loca-LoS and Loca-MPC (islands-accuracy-los.yaml, islands-accuracy-mpc.yaml): one table and one figure for both;
# (the committed sweeps took 1 min 54 s and 11 min 06 s with --jobs 2, niced, on a shared 2-vCPU VM).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=(); suffix=""
if [ "${1:-}" = "--quick" ]; then quick=(--quick); suffix="-quick"; fi
out=results/sweeps
csvs=()
start=$(date +%s)
for name in islands-accuracy-los islands-accuracy-mpc; do
  nice -n 19 .build/release/chain-controller sweep "configs/experiments/$name.yaml" "${quick[@]}" --no-plot \
    --out "$out/$name$suffix"
  csvs+=("$out/$name$suffix/$name$suffix.csv")
done
mkdir -p docs/figures/islands
bash scripts/python scripts/plot_islands_accuracy.py "docs/figures/islands/islands-accuracy$suffix" "${csvs[@]}"
echo "islands-accuracy: wall time $(( $(date +%s) - start )) s" >&2

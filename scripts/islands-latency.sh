#!/usr/bin/env bash
# islands-latency.sh: step latency vs island count B (issue 21) — J = 24 panel processes on this host, the projected
# one-host-per-panel e2e and eq. (10) streamed; writes docs/figures/islands/islands-latency.{csv,png}.
# Usage: bash scripts/islands-latency.sh [--quick]   (after scripts/build.sh; a timing run: nothing else should run)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=(); suffix=""
if [ "${1:-}" = "--quick" ]; then quick=(--quick); suffix="-quick"; fi
out=results/sweeps/islands-latency$suffix
start=$(date +%s)
.build/release/chain-controller sweep configs/experiments/islands-latency.yaml "${quick[@]}" --no-plot --jobs 1 --out "$out"
mkdir -p docs/figures/islands
bash scripts/python scripts/plot_islands_latency.py "docs/figures/islands/islands-latency$suffix" "$out/islands-latency$suffix.csv"
echo "islands-latency: wall time $(( $(date +%s) - start )) s" >&2

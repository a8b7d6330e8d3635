#!/usr/bin/env bash
# run.sh: README command 1 — set up, build, and run the main job on the built-in default configuration:
# the paper's operating point (J=24 panels as 24 panel-node processes, N_a=25, 400 MHz, N_p=4096, 526 steps);
# ends by drawing the run's picture (chain-controller plot: <out>/run.png) and printing its path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "run: building (release)" >&2
bash scripts/build.sh >/dev/null
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
out=""
previous=""
for a in "$@"; do [ "$previous" = "--out" ] && out=$a; case "$a" in --out=*) out=${a#--out=} ;; esac; previous=$a; done
extra=()
if [ -z "$out" ]; then out="results/$(date -u +%Y-%m-%dT%H%M%SZ)"; extra=(--out "$out"); fi
status=0
"$bin/chain-controller" run --config configs/default.yaml "${extra[@]}" "$@" || status=$?
if [ -f "$out/summary.json" ]; then
  "$bin/chain-controller" plot "$out" || echo "run: the picture could not be drawn (see above)" >&2
fi
exit "$status"

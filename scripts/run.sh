#!/usr/bin/env bash
# run.sh: README command 1 — set up, build, and run the main job on the built-in default configuration:
# the paper's operating point (J=24 panels as 24 panel-node processes, N_a=25, 400 MHz, N_p=4096, 526 steps).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "run: building (release)" >&2
bash scripts/build.sh >/dev/null
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
exec "$bin/chain-controller" run --config configs/default.yaml "$@"

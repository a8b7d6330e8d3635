#!/usr/bin/env bash
# run.sh: README command 1 — set up, build, and run the main job on the built-in default configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "run: building (release)" >&2
swift build -c release -Xswiftc -enable-testing >/dev/null
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
exec "$bin/chain-controller" probe --panels 4 --particles 4096 --messages 1000 "$@"

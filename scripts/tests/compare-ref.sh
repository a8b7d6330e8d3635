#!/usr/bin/env bash
# compare-ref.sh: CI comparison of the Swift Loca-LoS chain with the numpy reference (shared/ref/bp), both run here:
# J=24, N_a=25, 400 MHz, N_p=4096, 100 steps, 3 runs (scripts/compare-ref.py short).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
scripts/python scripts/compare-ref.py short --swift-bin "$bin/loca-run"

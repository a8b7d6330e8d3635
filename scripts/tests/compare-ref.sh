#!/usr/bin/env bash
# compare-ref.sh (optional cross-check): the Swift Loca-LoS chain against the numpy reference (ref/bp of the
# optional reference folder), both run here: J=24, N_a=25, 400 MHz, N_p=4096, 100 steps, 3 runs
# (scripts/compare-ref.py short). Skips (exit 77) when the reference folder is not there.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/reference.sh
shared=$(dm_reference_or_skip compare-ref "the comparison with the numpy reference")
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
DMIMO_SHARED="$shared" scripts/python scripts/compare-ref.py short --swift-bin "$bin/loca-run"

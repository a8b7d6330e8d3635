#!/usr/bin/env bash
# Builds loca-run with each lane backend of the Localization module (AVX2, SSE2, portable Swift SIMD) and checks
# that a short chain run gives bit-identical per-step estimates with all three. Release builds; a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=/tmp/dmimo-build.lock
out=$(mktemp -d)
run() {  # name, scratch path, extra swiftc flags...
    local name=$1 scratch=$2; shift 2
    flock "$lock" swift build -c release --product loca-run --scratch-path "$scratch" "$@" >/dev/null
    "$scratch/release/loca-run" synth --particles 1024 --runs 2 --steps 80 --steps-csv "$out/$name.csv" >/dev/null
    echo "$name: $(md5sum < "$out/$name.csv" | cut -c1-32)"
}
(unset DMIMO_BASELINE_X86; run avx2 .build-simd-avx2)
(export DMIMO_BASELINE_X86=1; run sse2 .build-simd-sse2)
(export DMIMO_BASELINE_X86=1; run portable .build-simd-portable -Xswiftc -DDMIMO_PORTABLE_SIMD)
if cmp -s "$out/avx2.csv" "$out/sse2.csv" && cmp -s "$out/avx2.csv" "$out/portable.csv"; then
    echo "check-simd-backends: 1 passed, 0 failed"
else
    echo "check-simd-backends: 0 passed, 1 failed (the backends' estimates differ; see $out)"; exit 1
fi

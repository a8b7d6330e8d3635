#!/usr/bin/env bash
# Builds loca-run and dmimo-downlink with each lane backend of the Localization and Downlink modules (AVX-512 if this
# host has it, AVX2, SSE2, portable Swift SIMD) and checks that a short chain run, a downlink RMSE-vs-power study (hybrid estimates and PEBs)
# and one-shot PEBs give bit-identical results with all of them. Release builds; ~15-20 minutes on 2 cores.
set -euo pipefail
trap 'echo "check-simd-backends: 0 passed, 1 failed (line $LINENO: $BASH_COMMAND exited with $?)" >&2' ERR
cd "$(dirname "$0")/.."
source scripts/lib/build-lock.sh
out=$(mktemp -d)
run() {  # name, scratch path, extra swiftc flags...
    local name=$1 scratch=$2; shift 2
    dm_build_lock swift build -c release --product loca-run --scratch-path "$scratch" "$@" >/dev/null
    dm_build_lock swift build -c release --product dmimo-downlink --scratch-path "$scratch" "$@" >/dev/null
    "$scratch/release/loca-run" synth --particles 1024 --runs 2 --steps 80 --steps-csv "$out/$name.csv" >/dev/null
    "$scratch/release/dmimo-downlink" study rmse-vs-power --runs 8 --quiet --out "$out/$name-downlink.csv" >/dev/null
    for protocol in P1 P2; do for processing in coherent noncoherent; do
        "$scratch/release/dmimo-downlink" peb --protocol $protocol --processing $processing --ue 1.3,-2.2 --json
    done; done >> "$out/$name-downlink.csv"
    grep -v '^#' "$out/$name-downlink.csv" >> "$out/$name.csv"   # comment lines name the binary's path
    echo "$name: $(md5sum < "$out/$name.csv" | cut -c1-32)"
}
backends="avx2 sse2 portable"
if grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx512dq /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo \
        && grep -qw avx512vl /proc/cpuinfo; then
    (unset DMIMO_BASELINE_X86 DMIMO_X86; run avx512 .build-simd-avx512)   # Package.swift picks AVX-512 on such a host
    backends="avx512 $backends"
else
    echo "avx512: skipped (this CPU has no AVX-512)"
fi
(unset DMIMO_BASELINE_X86; export DMIMO_X86=avx2; run avx2 .build-simd-avx2)
(export DMIMO_BASELINE_X86=1; run sse2 .build-simd-sse2)
(export DMIMO_BASELINE_X86=1; run portable .build-simd-portable -Xswiftc -DDMIMO_PORTABLE_SIMD)
same=1
for b in $backends; do cmp -s "$out/sse2.csv" "$out/$b.csv" || same=0; done
if [ $same = 1 ]; then
    echo "check-simd-backends: 1 passed, 0 failed"
else
    echo "check-simd-backends: 0 passed, 1 failed (the backends' estimates differ; see $out)"; exit 1
fi

#!/usr/bin/env bash
# hop-allocations.sh: a real panel node's thread allocates at most $MAX_PER_HOP (default 0) times per hop in steady
# state — γ received over TCP-loopback ZeroMQ, decoded, checksummed, updated (probe), encoded, sent, acknowledged,
# the successor's acknowledgement read and its link report queued for the next γ. Counted by the thread-tracking
# malloc interposer of the Benchmarks package's hop-bench (built here into Benchmarks/.build unless $HOP_BENCH
# names a built binary), which also checks that each γ carries the panel's link report of the hop before.
# History: 76 per hop at first; 4 on 2026-12-01 (libzmq's copies of γ, the acknowledgement and the link report, and
# a copy on write of γ's timing list); 0 since γ goes out in place, the acknowledgement fits in 33 bytes and link
# reports ride in γ (docs/LATENCY.md §2). Timing is not checked.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${HOP_BENCH:-}
if [ -z "$bench" ]; then
    swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build --product hop-bench >/dev/null
    bench=Benchmarks/.build/release/hop-bench
fi
if out=$("$bench" --particles "${PARTICLES:-4096}" --hops 200 --warmup 20 --max-allocations-per-hop "${MAX_PER_HOP:-0}"); then
    echo "hop-allocations: ok: $(echo "$out" | tail -1)"
else
    echo "$out"; echo "hop-allocations: FAIL: a panel hop allocated more than ${MAX_PER_HOP:-0} times" >&2; exit 1
fi

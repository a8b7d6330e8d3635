#!/usr/bin/env bash
# hop-allocations.sh: a real panel node's thread allocates at most $MAX_PER_HOP (default 4) times per hop in steady
# state — γ received over TCP-loopback ZeroMQ, decoded, checksummed, updated (probe), encoded, sent, acknowledged,
# the successor's acknowledgement read and the link report sent. Counted by the thread-tracking malloc interposer of
# the Benchmarks package's hop-bench (built here into Benchmarks/.build unless $HOP_BENCH names a built binary).
# The 4 left are libzmq's copies of the frames the panel sends (zmq_send of a frame > 33 bytes mallocs its body on
# the calling thread): γ, the acknowledgement, the link report; and a copy on write of γ's timing list (docs/LATENCY.md
# §2). main's data path allocated 76 per hop. Timing is not checked.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${HOP_BENCH:-}
if [ -z "$bench" ]; then
    swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build --product hop-bench >/dev/null
    bench=Benchmarks/.build/release/hop-bench
fi
if out=$("$bench" --particles "${PARTICLES:-4096}" --hops 200 --warmup 20 --max-allocations-per-hop "${MAX_PER_HOP:-4}"); then
    echo "hop-allocations: ok: $(echo "$out" | tail -1)"
else
    echo "$out"; echo "hop-allocations: FAIL: a panel hop allocated more than ${MAX_PER_HOP:-4} times" >&2; exit 1
fi

#!/usr/bin/env bash
# panel-allocations.sh: a Loca-LoS panel update allocates nothing on the heap once its scratch space is sized —
# with one island and with 8 (filter.islands; a later and the last panel) — through the kernel (updatePanel,
# updatePanelIslands) and through AnyPanelFilter (what the panels and the in-process chain run), at N_p = 1024
# and 4096 (or $SIZES), M = 3 and 6. Counted by the malloc interposer of the Benchmarks package's panel-bench
# (built here into Benchmarks/.build unless $PANEL_BENCH names a built binary). Timing is not checked.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${PANEL_BENCH:-}
if [ -z "$bench" ]; then
    swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build --product panel-bench >/dev/null
    bench=Benchmarks/.build/release/panel-bench
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# one island (the paper's update), and 8 islands (filter.islands, docs/MODEL.md §B.7) at a later and at the last panel
for variant in "" "--islands 8" "--islands 8 --last-of-route"; do
  for path in kernel filter; do
    # shellcheck disable=SC2086
    if "$bench" Tests/Fixtures/panel_input_M6.bin --sizes "${SIZES:-1024 4096}" --measurements "3 6" --updates 200 \
        --warmup 20 --repeats 1 --path "$path" --method loca-los --require-no-allocations $variant > "$tmp/$path.txt"; then
        echo "panel-allocations: ok: $path${variant:+ $variant}: $(grep -c "^swift" "$tmp/$path.txt") (N_p, M) pairs, 0 allocations per update"
    else
        cat "$tmp/$path.txt"; echo "panel-allocations: FAIL: a timed panel update ($path${variant:+ $variant}) allocated" >&2; exit 1
    fi
  done
done

#!/usr/bin/env bash
# Benchmark of one Loca-LoS panel update: the Swift Localization module (release build, panel-bench) against the
# two baselines measured in the same run, the C baseline (ref/perf of the optional reference folder: its run.sh
# builds it, then its binary is timed) and the numpy reference (scripts/bench-numpy.py), on the C baseline's fixed
# input (committed as Tests/Fixtures/panel_input_M6.bin). Without the reference folder only the Swift columns run
# (one line says so; the C and numpy columns show as skipped). Prints one table
# (µs; p50 and p99 of 2000 updates after 200 warm-up, the round with the best median of 3 for Swift and C,
# alternating between them; numpy p50/p99 of 300 updates, 100 at N_p = 16384; Swift heap allocations per update
# counted by the malloc interposer linked into panel-bench). Fails (status 1) if a timed Loca-LoS panel update
# allocates on the heap, through the kernel or through AnyPanelFilter (the panels' path): the check of
# scripts/tests/panel-allocations.sh, which scripts/test.sh runs too.
# panel-bench is the Benchmarks package (Benchmarks/Package.swift, on this package by path), built here into its own
# scratch path Benchmarks/.build; the main package does not build it.
# SIZES="4096" limits the sizes. Run it on a quiet machine: other load inflates every column.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/reference.sh
source scripts/lib/build-lock.sh
shared=$(dm_reference_dir) || shared=""
sizes=${SIZES:-"1024 4096 16384"}
out=$(mktemp -d)
dm_build_lock swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build \
    --product panel-bench >/dev/null
bench=Benchmarks/.build/release/panel-bench
input=Tests/Fixtures/panel_input_M6.bin
: > "$out/swift.txt"; : > "$out/c.txt"; : > "$out/numpy.txt"
if [ -n "$shared" ]; then
  # The C baseline is built (and timed once) by its own run.sh; then Swift and C are timed alternately, size by
  # size, for three rounds, so that both see the same machine load; each reports its best median of the rounds.
  echo "building and running the C baseline (run.sh)..." >&2
  OUT="$out" SIZES="$sizes" "$shared/ref/perf/run.sh" > "$out/c-runsh.txt"
  cmp -s "$out/in_M6.bin" "$input" || echo "bench-panel: note: the reference's input differs from $input" >&2
else
  echo "bench-panel: C baseline and numpy columns skipped: the optional reference folder (\$DMIMO_SHARED, or 'shared' beside the repository) is not there" >&2
fi
for round in 1 2 3; do
    echo "round $round: Swift${shared:+ and C, alternately}..." >&2
    for n in $sizes; do for m in 3 6; do
        "$bench" "$input" --sizes "$n" --measurements "$m" --repeats 1 | grep '^swift' >> "$out/swift.txt"
        [ -z "$shared" ] || "$out/panel_c" bench "$input" "$n" "$m" 2000 >> "$out/c.txt"
    done; done
done
PANEL_BENCH="$bench" SIZES="$sizes" bash scripts/tests/panel-allocations.sh >&2
if [ -n "$shared" ]; then
  echo "running the numpy reference..." >&2
  DMIMO_SHARED="$shared" scripts/python scripts/bench-numpy.py "$input" --sizes "$sizes" > "$out/numpy.txt"
fi
scripts/python - "$out" <<'PY'
import re, sys
out = sys.argv[1]
swift, c, numpy = {}, {}, {}
def keep_best(table, key, value):
    if key not in table or value[0] < table[key][0]:
        table[key] = value
for line in open(f'{out}/swift.txt'):
    f = line.split()
    if f and f[0] == 'swift':
        keep_best(swift, (int(f[1]), int(f[2])), (float(f[3]), float(f[4]), float(f[5])))
for line in open(f'{out}/c.txt'):
    m = re.match(r'C N=(\d+) M=(\d+) \w+ total med ([\d.]+) p99 ([\d.]+)', line)
    if m:
        keep_best(c, (int(m[1]), int(m[2])), (float(m[3]), float(m[4])))
for line in open(f'{out}/numpy.txt'):
    f = line.split()
    if f and f[0] == 'numpy':
        numpy[(int(f[1]), int(f[2]))] = (float(f[3]), float(f[4]))
print('| N_p | M | Swift p50 | Swift p99 | Swift allocs/update | C p50 | C p99 | numpy p50 | numpy p99 | Swift/C (p50) | numpy/Swift (p50) |')
print('|---|---|---|---|---|---|---|---|---|---|---|')
for key in sorted(swift):
    s, cc, npy = swift[key], c.get(key, (float('nan'),) * 2), numpy.get(key, (float('nan'),) * 2)
    def cell(v, fmt):
        return 'skipped' if v != v else format(v, fmt)
    print(f'| {key[0]} | {key[1]} | {s[0]:.1f} | {s[1]:.1f} | {s[2]:g} | {cell(cc[0], ".1f")} | {cell(cc[1], ".1f")} | '
          f'{cell(npy[0], ".0f")} | {cell(npy[1], ".0f")} | {cell(s[0] / cc[0], ".2f")} | {cell(npy[0] / s[0], ".0f")} |')
PY

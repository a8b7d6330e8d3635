#!/usr/bin/env bash
# latency-grid.sh: the latency grid of issue 18 — for J in {4, 12, 24} x N_p in {1024, 4096} (default configuration
# otherwise), one distributed run (chain.floor_rounds per run: link p50, transport floor p50, compute p50, e2e p50,
# eq. (10), projected deployment) and panel-bench at the same N_p and M (M = the run's mean measurements per panel,
# rounded, 1...6) in the same session; writes OUT/latency-grid.csv and OUT/latency-grid.md. With the optional
# reference folder (../shared or $DMIMO_SHARED) also the bare libzmq ping-pong (ref/perf/zmq_pingpong.c, tcp
# loopback, γ-sized) per N_p as one extra column; without it, one line says it is skipped.
# Usage: scripts/latency-grid.sh [OUT]   (default OUT: results/latency-grid-<UTC time>)
# Environment: STEPS (default 200), PANELS ("4 12 24"), PARTICLES ("1024 4096"), DMIMO_BIN (default .build/release),
# PANEL_BENCH (a built panel-bench; default: built here into Benchmarks/.build like scripts/bench-panel.sh).
# Run it on a quiet machine (under the build lock on a shared one): every column is a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/reference.sh
out=${1:-results/latency-grid-$(date -u +%Y%m%dT%H%M%SZ)}
steps=${STEPS:-200}
panels_list=${PANELS:-"4 12 24"}
particles_list=${PARTICLES:-"1024 4096"}
bin=${DMIMO_BIN:-.build/release}
[ -x "$bin/chain-controller" ] && [ -x "$bin/panel-node" ] || { echo "latency-grid: $bin/chain-controller or panel-node missing (scripts/build.sh)" >&2; exit 1; }
bench=${PANEL_BENCH:-}
if [ -z "$bench" ]; then
  swift build -c release --package-path Benchmarks --scratch-path Benchmarks/.build --product panel-bench >/dev/null
  bench=Benchmarks/.build/release/panel-bench
fi
mkdir -p "$out"
shared=$(dm_reference_dir) || shared=""
zmq=""
if [ -n "$shared" ] && [ -f "$shared/ref/perf/zmq_pingpong.c" ] && cc -O2 "$shared/ref/perf/zmq_pingpong.c" -o "$out/zmq_pingpong" -lzmq 2>/dev/null; then
  zmq="$out/zmq_pingpong"
else
  echo "latency-grid: bare libzmq column skipped: no reference folder with ref/perf/zmq_pingpong.c (\$DMIMO_SHARED or ../shared), or it did not build" >&2
fi
: > "$out/bench.txt"; : > "$out/zmq.txt"
for np in $particles_list; do
  for j in $panels_list; do
    run="$out/run-J$j-N$np"
    echo "latency-grid: J=$j N_p=$np ($steps steps)..." >&2
    "$bin/chain-controller" run --steps "$steps" --set scenario.panels="$j" --set filter.particles="$np" \
        --out "$run" > "$run.txt" 2>&1 || { echo "latency-grid: run J=$j N_p=$np failed (see $run.txt)" >&2; exit 1; }
    m=$(scripts/python -c "import json,sys; s=json.load(open(sys.argv[1])); print(min(6, max(1, round(s['measurements_per_panel_mean']))))" "$run/summary.json")
    "$bench" Tests/Fixtures/panel_input_M6.bin --sizes "$np" --measurements "$m" --repeats 3 | grep '^swift' | sed "s/^/J=$j /" >> "$out/bench.txt"
  done
  if [ -n "$zmq" ]; then
    bytes=$(awk -F, 'NR==3 {print $3}' "$out/run-J4-N$np/links.csv" 2>/dev/null || echo $((16 * np + 100)))
    echo "N=$np $("$zmq" tcp://127.0.0.1:5599 "$bytes" 2000)" >> "$out/zmq.txt"
  fi
done
scripts/python - "$out" "$panels_list" "$particles_list" <<'PY'
import json, re, sys, os
out, panels, particles = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
bench = {}
for line in open(f'{out}/bench.txt'):
    f = line.split()
    j, n, m, p50 = int(f[0][2:]), int(f[2]), int(f[3]), float(f[4])
    if (j, n) not in bench or p50 < bench[(j, n)][0]:
        bench[(j, n)] = (p50, m)   # the best median of the repeats
zmq = {}
for line in open(f'{out}/zmq.txt'):
    m = re.match(r'N=(\d+) .* one-way p50 ([\d.]+)', line)
    if m: zmq[int(m.group(1))] = float(m.group(2))
cols = ['J', 'N_p', 'M', 'link_p50_us', 'floor_p50_us', 'link_over_floor', 'compute_p50_us', 'panel_bench_p50_us',
        'compute_over_bench', 'e2e_p50_us', 'eq10_us', 'projected_deployment_us'] + (['bare_zmq_tcp_p50_us'] if zmq else [])
rows = []
def num(x): return float('nan') if x is None else x
for n in particles:
    for j in panels:
        s = json.load(open(f'{out}/run-J{j}-N{n}/summary.json'))
        b, m = bench[(int(j), int(n))]
        link = num(s['fronthaul']['raw_link_us']['p50'])
        floor = num((s.get('link_floor_us') or {}).get('p50'))
        comp = num(s['compute_us']['p50'])
        row = [int(j), int(n), m, link, floor, link / floor, comp, b, comp / b, num(s['latency_us']['p50']),
               num(s['fpga_model_us']), num(s.get('projected_deployment_us'))]
        if zmq: row.append(zmq.get(int(n), float('nan')))
        rows.append(row)
def fmt(x):
    return str(x) if isinstance(x, int) else ('' if x != x else (f'{x:.2f}' if abs(x) < 10 else f'{x:.1f}'))
with open(f'{out}/latency-grid.csv', 'w') as f:
    f.write(','.join(cols) + '\n')
    for r in rows: f.write(','.join(fmt(x) for x in r) + '\n')
with open(f'{out}/latency-grid.md', 'w') as f:
    f.write('| ' + ' | '.join(cols) + ' |\n|' + '---|' * len(cols) + '\n')
    for r in rows: f.write('| ' + ' | '.join(fmt(x) for x in r) + ' |\n')
print(open(f'{out}/latency-grid.md').read())
PY
echo "latency-grid: $out/latency-grid.csv, $out/latency-grid.md" >&2

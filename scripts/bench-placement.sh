#!/usr/bin/env bash
# bench-placement.sh: the distributed chain under each chain.cpu_placement mode (os, apart, shared, spread), modes
# alternated round by round so all see the same machine load; per run: e2e, per-panel compute and panel->panel link
# p50 (µs), and the panels' context switches, CPU migrations and page faults per panel per step (perf stat attached
# to the panels for 2 s in mid-run, when `perf` is there). Writes OUT/placement.csv and prints the medians over the
# rounds per mode and J.
#   bash scripts/bench-placement.sh [OUT (default docs/figures/placement)] [ROUNDS (3)] [STEPS (400)] [J list ("4 24")]
# Run it on a quiet machine; compare modes only within one run of the script.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/figures/placement}; rounds=${2:-3}; steps=${3:-400}; panels=${4:-"4 24"}
bin=${DMIMO_BIN:-.build/release}
[ -x "$bin/chain-controller" ] || bash scripts/build.sh >/dev/null
mkdir -p "$out"; tmp=$(mktemp -d)
echo "round,mode,panels,e2e_p50_us,compute_p50_us,link_p50_us,ctx_switches_per_panel_step,migrations_per_panel_step,page_faults_per_panel_step" > "$out/placement.csv"
for round in $(seq 1 "$rounds"); do
  for J in $panels; do
    for mode in os apart shared spread; do
      run="$tmp/r$round-J$J-$mode"
      "$bin/chain-controller" run --steps "$steps" --set scenario.panels="$J" --set chain.cpu_placement="$mode" \
        --out "$run" > "$run.log" 2>&1 &
      controller=$!
      : > "$run.perf"
      if command -v perf >/dev/null; then
        sleep 3
        pids=$(pgrep -d, -P "$controller" panel-node || true)
        [ -z "$pids" ] || perf stat -x, -e context-switches,cpu-migrations,page-faults -p "$pids" -o "$run.perf" sleep 2 2>/dev/null || true
      fi
      wait "$controller" || { echo "bench-placement: $mode J=$J failed: $(tail -1 "$run.log")" >&2; exit 1; }
      scripts/python - "$run" "$round" "$mode" "$J" >> "$out/placement.csv" <<'PY'
import json, sys
run, rnd, mode, J = sys.argv[1:]
s = json.load(open(f"{run}/summary.json"))
counts = {}
for line in open(f"{run}.perf"):
    cells = line.strip().split(",")
    if len(cells) > 3 and cells[0].replace(".", "").isdigit():
        counts[cells[2]] = float(cells[0])
# steps in the 2 s window: 2 s over the mean step time (e2e mean is the whole step, steps are back to back)
steps = 2e6 / s["latency_us"]["mean"]
per = lambda k: f"{counts[k] / int(J) / steps:.3f}" if k in counts else ""
print(f'{rnd},{mode},{J},{s["latency_us"]["p50"]:.1f},{s["compute_us"]["p50"]:.1f},{s["link_us"]["p50"]:.1f},'
      f'{per("context-switches")},{per("cpu-migrations")},{per("page-faults")}')
PY
      echo "bench-placement: round $round/$rounds J=$J $mode: $(tail -1 "$out/placement.csv")" >&2
    done
  done
done
scripts/python - "$out/placement.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f'{"J":>3} {"mode":<7} {"e2e p50":>9} {"compute":>8} {"link":>7} {"ctx/step":>9} {"migr/step":>9} {"faults/step":>11}   (medians over rounds; µs, per panel per step)')
for J in sorted({r["panels"] for r in rows}, key=int):
    for mode in ["os", "apart", "shared", "spread"]:
        sel = [r for r in rows if r["panels"] == J and r["mode"] == mode]
        med = lambda k: statistics.median(float(r[k]) for r in sel) if sel and all(r[k] for r in sel) else float("nan")
        print(f'{J:>3} {mode:<7} {med("e2e_p50_us"):9.0f} {med("compute_p50_us"):8.1f} {med("link_p50_us"):7.1f} '
              f'{med("ctx_switches_per_panel_step"):9.2f} {med("migrations_per_panel_step"):9.3f} {med("page_faults_per_panel_step"):11.3f}')
PY

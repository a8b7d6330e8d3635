#!/usr/bin/env bash
# sionna-check.sh: Sionna RT against the built-in geometry on a small room (J = 4 panels, 40 steps): every
# first-order path's distance within 1 mm, the same LoS visibility and path count at every (step, panel); --max-depth 2
# adds double bounces; the chain runs on the Sionna trace. Skipped (exit 77) where sionna-rt or libllvm19 is not
# installed (bash scripts/setup-sionna.sh installs both; CI does not).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${DMIMO_BIN:-.build/release}
venv=${DMIMO_VENV:-.venv}
if ! [ -x "$venv/bin/python3" ] || ! "$venv/bin/python3" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("sionna") is None)' 2>/dev/null; then
  echo "sionna-check: skipped: sionna-rt is not installed in $venv (bash scripts/setup-sionna.sh installs it)"; exit 77
fi
if ! dpkg -s libllvm19 >/dev/null 2>&1; then
  echo "sionna-check: skipped: libllvm19 is not installed (bash scripts/setup-sionna.sh installs it)"; exit 77
fi
[ -x "$bin/chain-controller" ] || { echo "sionna-check: FAIL: $bin/chain-controller missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "sionna-check: FAIL: $*"; failures=$(( failures + 1 )); }
small=(--set scenario.panels=4 --steps 40)
for depth in 1 2; do
  if ! scripts/python scripts/sionna_trace.py "${small[@]}" --max-depth $depth --chain-controller "$bin/chain-controller" \
       --out "$tmp/d$depth.csv" --report "$tmp/d$depth.json" >"$tmp/d$depth.log" 2>&1; then
    fail "sionna_trace.py --max-depth $depth: $(tail -3 "$tmp/d$depth.log")"; continue
  fi
  verdict=$(scripts/python - "$tmp/d$depth.json" "$depth" <<'PY'
import json, sys
r, depth = json.load(open(sys.argv[1])), int(sys.argv[2])
errors = []
if r["pairs"] != 160: errors.append(f"{r['pairs']} pairs, expected 160")
if r["matched_paths"] == 0: errors.append("no path matched")
if r["max_distance_error_m"] >= 1e-3: errors.append(f"max |Δd| {r['max_distance_error_m']} m")
if r["los_disagreements"]: errors.append(f"{len(r['los_disagreements'])} LoS disagreements, first {r['los_disagreements'][0]}")
if r["count_disagreements"]: errors.append(f"{len(r['count_disagreements'])} path-count disagreements, first {r['count_disagreements'][0]}")
if (r["higher_order_paths"] > 0) != (depth == 2): errors.append(f"{r['higher_order_paths']} paths of order >= 2 at max depth {depth}")
print("; ".join(errors) if errors else f"{r['matched_paths']} paths matched, max |Δd| {r['max_distance_error_m'] * 1e3:.4f} mm, "
      f"{r['higher_order_paths']} of order >= 2")
sys.exit(1 if errors else 0)
PY
  ) && echo "sionna-check: ok: max depth $depth: $verdict" || fail "max depth $depth: $verdict"
done
if [ -s "$tmp/d2.csv" ]; then
  if "$bin/chain-controller" run --in-process "${small[@]}" --set filter.particles=1024 --trace "$tmp/d2.csv" --out "$tmp/run" >"$tmp/run.log" 2>&1; then
    echo "sionna-check: ok: the chain ran on the max-depth-2 trace: $(grep -o 'rmse [0-9.]* cm' "$tmp/run.log")"
  else
    fail "chain on the Sionna trace: $(tail -3 "$tmp/run.log")"
  fi
fi
[ $failures -eq 0 ] || { echo "sionna-check: $failures failure(s)"; exit 1; }
echo "sionna-check: all passed"

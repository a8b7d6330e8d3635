#!/usr/bin/env bash
# sionna-results.sh [OUT]: the chain on Sionna RT traces of the default room beside the synthetic world —
# Sionna traces (max depth 1 and 2) compared with the built-in geometry, Loca-LoS and Loca-MPC at J = 24, in-process
# and as 24 panel processes, and a trace with panel 3's paths removed at steps 200-249 (its LoS existence probability
# from existence.csv). Writes OUT/traces, OUT/runs/<name>, OUT/table.csv and prints the docs/RESULTS.md table.
# Every step already done in OUT is kept (resumable). Needs bash scripts/setup-sionna.sh; runs take the build lock.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${DMIMO_BIN:-.build/release}
out=${1:-results/sionna-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out/traces" "$out/runs"
source scripts/lib/build-lock.sh
for depth in 1 2; do
  t="$out/traces/sionna-d$depth.csv"
  [ -s "$t" ] || scripts/python scripts/sionna_trace.py --max-depth $depth --chain-controller "$bin/chain-controller" \
    --out "$t" --report "$out/traces/sionna-d$depth.json"
done
gap="$out/traces/sionna-d1-gap.csv"
[ -s "$gap" ] || awk -F, 'BEGIN{p=0} /^\[paths\]/{p=1} { if (p && $1 ~ /^[0-9]+$/ && $2 == 3 && $1 >= 200 && $1 < 250) next; print }' \
  "$out/traces/sionna-d1.csv" > "$gap"
run() { local name=$1; shift; [ -s "$out/runs/$name/summary.json" ] && return 0
  echo "sionna-results: run $name" >&2
  dm_build_lock "$bin/chain-controller" run --out "$out/runs/$name" "$@" > "$out/runs/$name.log" 2>&1; }
for m in los mpc; do
  for mode in ip 24p; do
    flag=(); [ $mode = ip ] && flag=(--in-process)
    run syn-$m-$mode "${flag[@]}" --set filter.method=loca-$m
    run s1-$m-$mode "${flag[@]}" --set filter.method=loca-$m --trace "$out/traces/sionna-d1.csv"
    run s2-$m-$mode "${flag[@]}" --set filter.method=loca-$m --trace "$out/traces/sionna-d2.csv"
  done
done
run gap-los-ip --in-process --trace "$gap"
run gap-los-24p --trace "$gap"
run gap-mpc-ip --in-process --set filter.method=loca-mpc --trace "$gap"
scripts/python - "$out" <<'PY'
import csv, json, os, sys
out = sys.argv[1]
runs = os.path.join(out, "runs")
def summary(name):
    return json.load(open(os.path.join(runs, name, "summary.json")))
rows = []
for m, label in (("los", "Loca-LoS"), ("mpc", "Loca-MPC")):
    for src, what in (("syn", "synthetic world"), ("s1", "Sionna RT, max depth 1"), ("s2", "Sionna RT, max depth 2"),
                      ("gap", "Sionna RT depth 1, panel 3 silent at steps 200-249")):
        for mode, mlabel in (("ip", "in-process"), ("24p", "24 processes")):
            name = f"{src}-{m}-{mode}"
            if not os.path.exists(os.path.join(runs, name, "summary.json")):
                continue
            s = summary(name)
            rows.append({"method": label, "source": what, "mode": mlabel, "rmse_cm": round(s["rmse_m"] * 100, 3),
                         "p50_cm": round(s["error_p50_m"] * 100, 3), "p90_cm": round(s["error_p90_m"] * 100, 3),
                         "max_cm": round(s["error_max_m"] * 100, 2), "los_detection_rate": round(s["los_detection_rate"], 4),
                         "false_los_rate": round(s["false_los_rate"], 4),
                         "measurements_per_panel": round(s["measurements_per_panel_mean"], 3)})
with open(os.path.join(out, "table.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader(); w.writerows(rows)
print("| filter | measurements from | run | RMSE cm | median cm | p90 cm | max cm | LoS detection | false LoS | measurements / panel |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    print(f"| {r['method']} | {r['source']} | {r['mode']} | {r['rmse_cm']:.2f} | {r['p50_cm']:.2f} | {r['p90_cm']:.2f} | "
          f"{r['max_cm']:.2f} | {r['los_detection_rate']:.4f} | {r['false_los_rate']:.4f} | {r['measurements_per_panel']:.2f} |")
# the silent panel: p_e of panel 3 around the gap, p_de = 0.5 (filter.p_de)
for name in ("gap-los-ip", "gap-los-24p", "gap-mpc-ip"):
    path = os.path.join(runs, name, "existence.csv")
    if not os.path.exists(path):
        continue
    pe = {int(r["step"]): float(r["pe_3"]) for r in csv.DictReader(open(path)) if r["pe_3"]}
    inside = [pe[n] for n in range(200, 250) if n in pe]
    below = [n for n in range(200, 250) if pe.get(n, 1) <= 0.5]
    print(f"{name}: panel 3 p_e at steps 195-199 min {min(pe[n] for n in range(195, 200)):.4f}; in the gap 200-249 "
          f"max {max(inside):.4g}, below p_de = 0.5 from step {below[0] if below else '-'} ({len(below)} of 50 steps); "
          f"p_e at 199 {pe[199]:.4f}, 200 {pe[200]:.4g}, 249 {pe[249]:.4g}, 250 {pe.get(250, float('nan')):.4f}, "
          f"255 {pe.get(255, float('nan')):.4f}")
PY

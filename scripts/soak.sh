#!/usr/bin/env bash
# soak.sh: a long distributed run (default J=8, N_p=1024, 40 runs x 500 steps = 20,000 steps) at low priority, its
# memory read every second from the controller's Prometheus endpoint (controller RSS, each panel's RSS from its
# heartbeats, steps so far). Writes OUT/soak.csv (time_s, steps, controller_rss_mib, panel_rss_mib_<k>) and OUT/soak.png,
# and prints RSS after 1,000 steps against the end (acceptance: within 5 %).
#   bash scripts/soak.sh [OUT (default docs/figures/soak)] [RUNS (40)] [STEPS (500)] [extra run options…]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/figures/soak}; runs=${2:-40}; steps=${3:-500}; shift $(( $# < 3 ? $# : 3 ))
bin=${DMIMO_BIN:-.build/release}
mkdir -p "$out"
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nice -n 10 "$bin/chain-controller" run --runs "$runs" --steps "$steps" --set scenario.panels=8 --set filter.particles=1024 \
  --metrics-listen "127.0.0.1:$port" --out "$tmp/run" "$@" > "$tmp/run.log" 2>&1 &
controller=$!
start=$(date +%s.%N)
: > "$tmp/samples.txt"
while kill -0 $controller 2>/dev/null; do
  if m=$(curl -sf "http://127.0.0.1:$port/metrics"); then
    now=$(date +%s.%N)
    steps_now=$(awk '/^dmimo_steps_total/ { s += $2 } END { print s + 0 }' <<<"$m")
    ctl=$(awk '/^dmimo_controller_rss_bytes/ { print $2 }' <<<"$m")
    panels=$(awk '/^dmimo_node_rss_bytes/ { printf "%s%s", sep, $2; sep = "," }' <<<"$m")
    echo "$(echo "$now - $start" | bc),$steps_now,$ctl,$panels" >> "$tmp/samples.txt"
  fi
  sleep 1
done
wait $controller || { echo "soak: the run failed"; tail -5 "$tmp/run.log"; exit 1; }
cp "$tmp/run/summary.json" "$out/summary.json"
scripts/python - "$tmp/samples.txt" "$out" <<'PY'
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = [l.strip().split(",") for l in open(sys.argv[1]) if l.count(",") >= 3]
rows = [r for r in rows if all(x not in ("", "0") for x in r[2:])]   # panel RSS known (first heartbeat arrived)
mib = 1024 * 1024
panels = len(rows[0]) - 3
with open(f"{sys.argv[2]}/soak.csv", "w") as fh:
    fh.write("time_s,steps,controller_rss_mib," + ",".join(f"panel_rss_mib_{k}" for k in range(panels)) + "\n")
    for r in rows:
        fh.write(f"{float(r[0]):.1f},{int(float(r[1]))}," + ",".join(f"{float(x) / mib:.2f}" for x in r[2:]) + "\n")
steps = [int(float(r[1])) for r in rows]
ctl = [float(r[2]) / mib for r in rows]
pan = [[float(r[3 + k]) / mib for r in rows] for k in range(panels)]
at = next(i for i, s in enumerate(steps) if s >= 1000)
def change(series):
    return 100 * (series[-1] - series[at]) / series[at]
print(f"soak: {steps[-1]} steps; RSS at step {steps[at]} -> end ({steps[-1]}):")
print(f"  controller {ctl[at]:.2f} -> {ctl[-1]:.2f} MiB ({change(ctl):+.2f} %)")
for k in range(panels):
    print(f"  panel {k} {pan[k][at]:.2f} -> {pan[k][-1]:.2f} MiB ({change(pan[k]):+.2f} %)")
worst = max(abs(change(s)) for s in [ctl] + pan)
print(f"soak: largest change {worst:.2f} % ({'within' if worst <= 5 else 'NOT within'} 5 %)")
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.plot(steps, ctl, label="controller", lw=2, color="black")
for k in range(panels):
    ax.plot(steps, pan[k], label=f"panel {k}", lw=1)
ax.axvline(steps[at], color="grey", ls=":", lw=1)
ax.set_xlabel("steps completed"); ax.set_ylabel("RSS (MiB)"); ax.set_ylim(bottom=0)
ax.set_title(f"soak: J={panels}, N_p=1024, {steps[-1]} steps")
ax.legend(fontsize=7, ncol=3); ax.grid(alpha=0.3)
fig.tight_layout(); fig.savefig(f"{sys.argv[2]}/soak.png", dpi=120)
PY
rm -rf "$tmp"

#!/usr/bin/env bash
# bench-chain.sh: end-to-end latency of the J-process chain for J in {4, 12, 24} x N_p in {1024, 4096}, beside
# the FPGA model of eq. (10). Usage: scripts/bench-chain.sh [steps per point, default 200] [extra chain-controller args]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-200}; shift || true
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
[ -x "$bin/chain-controller" ] || bash scripts/build.sh >/dev/null
out=$(mktemp -d)
printf '%-4s %-6s %10s %10s %12s %12s %12s %14s %8s\n' J N_p e2e_p50_us e2e_p99_us compute_p50 link_p50_us eq10_us p50/eq10 rmse_cm
for J in 4 12 24; do
  for N in 1024 4096; do
    "$bin/chain-controller" run --set scenario.panels=$J --set filter.particles=$N --steps "$steps" \
      --out "$out/J$J-N$N" "$@" >/dev/null 2>"$out/J$J-N$N.err" || { echo "J=$J N_p=$N failed: $(tail -1 "$out/J$J-N$N.err")"; continue; }
    scripts/python - "$out/J$J-N$N/summary.json" "$J" "$N" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
lat, comp, link = s["latency_us"], s["compute_us"], s["link_us"]
eq10 = s["fpga_model_us"]
print(f'{sys.argv[2]:<4} {sys.argv[3]:<6} {lat["p50"]:10.1f} {lat["p99"]:10.1f} {comp["p50"]:12.1f} {link["p50"]:12.1f} {eq10:12.1f} {lat["p50"]/eq10:14.2f} {s["rmse_m"]*100:8.2f}')
PY
  done
done
echo "(result folders in $out; latencies in µs on this host's monotonic clock; eq. (10) at M = 6 with the adder tree)"

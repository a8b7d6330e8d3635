#!/usr/bin/env bash
# downlink-readings.sh: the P1/P2 coherent and non-coherent PEBs at u = (1, 1) m, K = 36, 0 dBm under each reading of
# the downlink paper (docs/MODEL.md §DL.8) as one CSV; scripts/results_tables.py turns it into the gaps. Usage: [OUT.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/figures/downlink-readings.csv}
bin=.build/release
[ -x "$bin/dmimo-downlink" ] || bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
readings=(
  "default (equal per-AP power = equal energy)|"
  "corner APs|--ap-layout corners"
  "edge-normal orientation|--orientation normal"
  "cell-centred illumination grid|--illumination-grid centre"
  "P2 per-AP power 1/M (equal per-slot network power)|--p2-power-scale 0.05"
  "P2 per-AP power M (P2 gets M times the energy)|--p2-power-scale 20"
  "alpha=structured FIM|--alpha structured"
  "alpha=structured + P2 power M|--alpha structured --p2-power-scale 20"
)
echo "reading,options,peb_p1_coherent_m,peb_p1_noncoherent_m,peb_p2_coherent_m,peb_p2_noncoherent_m" > "$out"
for entry in "${readings[@]}"; do
  name=${entry%%|*}; options=${entry#*|}
  # shellcheck disable=SC2086
  "$bin/dmimo-downlink" study peb-vs-x --xs 1 --y 1 --power-dbm 0 --quiet --out "$tmp" $options >/dev/null
  row=$(grep -v '^#' "$tmp" | tail -1 | cut -d, -f2-)
  echo "\"$name\",\"$options\",$row" >> "$out"
done
echo "downlink-readings: $out (${#readings[@]} readings)"

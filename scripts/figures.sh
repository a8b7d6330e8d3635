#!/usr/bin/env bash
# figures.sh: every paper figure, one sweep each (configs/experiments/*.yaml), with its wall time; extra args go to each sweep.
# Usage: scripts/figures.sh [--quick] [--jobs N] [--no-plot] [--pdf] [names...]   (names: uplink-fig5 downlink-fig4 ...)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
[ -x "$bin/chain-controller" ] || bash scripts/build.sh >/dev/null
args=(); names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs|--out) args+=("$1" "$2"); shift 2 ;;
    --*) args+=("$1"); shift ;;
    *) names+=("$1"); shift ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=(uplink-fig4 downlink-fig4 downlink-fig5 downlink-fig6 uplink-fig5 uplink-fig7 uplink-fig6 uplink-fig3)
for name in "${names[@]}"; do
  start=$(date +%s)
  "$bin/chain-controller" sweep "configs/experiments/$name.yaml" "${args[@]}"
  echo "figures: $name took $(( $(date +%s) - start )) s"
done

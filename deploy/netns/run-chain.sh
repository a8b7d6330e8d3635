#!/usr/bin/env bash
# run-chain.sh: one whole experiment across network namespaces — controller, downlink node and J panels each in
# its own namespace with its own address, `chain-controller run --no-spawn` driving J panel-node processes.
#
#   run-chain.sh [--panels J] [--run-id RID] [--out DIR] [--bin DIR] [--mtu BYTES]
#                [--qdisc tbf|htb --rate 1gbit [--burst BYTES]] [--check]
#                [--cut-panel K --cut-at-step S [--cut-for-ms MS] [--cut-mode down|blackhole]]
#                [-- CHAIN-CONTROLLER RUN OPTIONS…]        e.g. -- --steps 100 --set filter.particles=1024
#
# Endpoints use host names (controller, panel-<k>) resolved through each namespace's /etc/hosts:
#   chain.controller_bind=tcp://<controller ip>:5500, chain.controller_endpoint=tcp://controller:5500,
#   chain.panel_endpoints=tcp://panel-{k}:5550 (each panel binds its own address, port 5550).
# --check runs `chain-controller check` from the controller namespace first (its one line is printed).
# --cut-*: cuts panel K's link once S steps are in per_step.csv, heals it after MS ms (default: never).
# The namespaces are removed on every exit (trap), also on error and Ctrl-C. Exit status: the controller's.
# Panel logs: DIR/logs/panel-<k>.log; the run's network description: DIR/netns.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

panels=8 rid="" out="" bin="${DMIMO_BIN:-}" mtu=1500 qdisc="" rate=1gbit burst="" check=0
cut_panel="" cut_at=0 cut_for_ms=0 cut_mode=down
while [ $# -gt 0 ]; do
  case "$1" in
    --panels) panels=$2; shift 2 ;;
    --run-id) rid=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --mtu) mtu=$2; shift 2 ;;
    --qdisc) qdisc=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --burst) burst=$2; shift 2 ;;
    --check) check=1; shift ;;
    --cut-panel) cut_panel=$2; shift 2 ;;
    --cut-at-step) cut_at=$2; shift 2 ;;
    --cut-for-ms) cut_for_ms=$2; shift 2 ;;
    --cut-mode) cut_mode=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-chain.sh: unknown option $1 (controller options go after --)" >&2; exit 2 ;;
  esac
done
if ! why=$(dm_check_environment); then echo "run-chain.sh: $why" >&2; exit 1; fi
if [ -z "$bin" ]; then bin=$(cd "$repo" && swift build -c release -Xswiftc -enable-testing --show-bin-path); fi
for exe in chain-controller panel-node; do
  [ -x "$bin/$exe" ] || { echo "run-chain.sh: $bin/$exe not found (build first: scripts/build.sh, or --bin DIR)" >&2; exit 1; }
done
rid=${rid:-$(dm_new_run_id)}
dm_validate_run_id "$rid"
out=${out:-$repo/results/netns-$rid}
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)

watcher=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$watcher" ] && kill "$watcher" 2>/dev/null && wait "$watcher" 2>/dev/null
  dm_down "$rid"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dm_up "$rid" "$panels" "$mtu"
if [ -n "$qdisc" ]; then dm_shape "$rid" all "$qdisc" "$rate" "$burst"; fi
controller_ip=$(dm_ip "$rid" c)
{ dm_status "$rid"; echo "controller: tcp://$controller_ip:$DM_CONTROLLER_PORT (tcp://controller:$DM_CONTROLLER_PORT)"; } > "$out/netns.txt"

# the downlink node, once dmimo-downlink has a `serve` command
if [ -x "$bin/dmimo-downlink" ] && "$bin/dmimo-downlink" --help 2>/dev/null | grep -q serve; then
  dm_exec "$rid" d "$bin/dmimo-downlink" serve --endpoint "tcp://$(dm_ip "$rid" d):$DM_DOWNLINK_PORT" \
    > "$out/logs/downlink.log" 2>&1 &
fi

for (( k = 0; k < panels; k++ )); do
  dm_exec "$rid" "p$k" "$bin/panel-node" run --index "$k" --controller "tcp://controller:$DM_CONTROLLER_PORT" \
    --bind "tcp://$(dm_ip "$rid" "p$k"):$DM_PANEL_PORT" --advertise "tcp://panel-$k:$DM_PANEL_PORT" \
    --controller-silence-ms 120000 > "$out/logs/panel-$k.log" 2>&1 &
done

endpoint_args=(--set "scenario.panels=$panels"
  --set "chain.controller_bind=tcp://$controller_ip:$DM_CONTROLLER_PORT"
  --set "chain.controller_endpoint=tcp://controller:$DM_CONTROLLER_PORT"
  --set "chain.panel_endpoints=tcp://panel-{k}:$DM_PANEL_PORT")

if [ "$check" -eq 1 ]; then
  config_args=()
  for (( i = 1; i <= $#; i++ )); do  # only --config/--set pass to check
    case "${!i}" in --config|--set) j=$(( i + 1 )); config_args+=("${!i}" "${!j}") ;; esac
  done
  sleep 0.3  # let the panels bind
  dm_exec "$rid" c "$bin/chain-controller" check "${config_args[@]}" "${endpoint_args[@]}" || true
fi

if [ -n "$cut_panel" ]; then
  (
    while [ "$(( $(wc -l 2>/dev/null < "$out/per_step.csv" || echo 1) - 1 ))" -lt "$cut_at" ]; do sleep 0.01; done
    dm_cut "$rid" "p$cut_panel" "$cut_mode"
    echo "netns: cut panel $cut_panel ($cut_mode) after step $cut_at at $(date +%T.%N)" >> "$out/netns.txt"
    if [ "$cut_for_ms" -gt 0 ]; then
      sleep "$(awk -v ms="$cut_for_ms" 'BEGIN{printf "%.3f", ms/1000}')"
      dm_heal "$rid" "p$cut_panel"
      echo "netns: healed panel $cut_panel at $(date +%T.%N)" >> "$out/netns.txt"
    fi
  ) &
  watcher=$!
fi

status=0
dm_exec "$rid" c "$bin/chain-controller" run --no-spawn "${endpoint_args[@]}" --out "$out" "$@" || status=$?
echo "run-chain.sh: controller exited with status $status; results in $out" >&2
exit "$status"

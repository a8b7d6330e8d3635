#!/usr/bin/env bash
# run-chain.sh: one whole experiment across network namespaces — controller, downlink node and J panels each in
# its own namespace with its own address, `chain-controller run --no-spawn` driving J panel-node processes.
#
#   run-chain.sh [--panels J] [--run-id RID] [--out DIR] [--bin DIR] [--mtu BYTES] [--plain]
#                [--qdisc tbf|htb --rate 1gbit [--burst BYTES]] [--check]
#                [--cut-panel K --cut-at-step S [--cut-for-ms MS] [--cut-mode down|blackhole]]
#                [--clock-offsets S0,S1,…]
#                [-- CHAIN-CONTROLLER RUN OPTIONS…]        e.g. -- --steps 100 --set filter.particles=1024
#
# Endpoints use host names (controller, panel-<k>) resolved through each namespace's /etc/hosts:
#   chain.controller_bind=tcp://<controller ip>:5500, chain.controller_endpoint=tcp://controller:5500,
#   chain.panel_endpoints=tcp://panel-{k}:5550 (each panel binds its own address, port 5550),
#   downlink.endpoint=tcp://downlink:5600 (used with --set downlink.enabled=true).
# --run-id: default a fresh id unique on this host; an id owned by another live run is refused (exit 1).
# --check runs `chain-controller check` from the controller namespace first (its one line is printed).
# CURVE is on by default: a fresh key directory per run (`chain-controller keys`, in the run's state directory
#   /run/dmimo-netns/<RID>/keys, removed at tear-down); the controller runs with security.curve=true and
#   security.keys_dir=<it>, panels and the downlink node with --keys-dir <it>. --plain (or DMIMO_CURVE=0) runs
#   every link in plain text, e.g. to measure what CURVE costs.
# --cut-*: cuts panel K's link once S steps are in per_step.csv (and K was in the route in the last of them), heals
#   it after MS ms (default: never).
# --clock-offsets: panel k runs in its own time namespace whose CLOCK_MONOTONIC is shifted by S[k mod n] seconds
#   (`unshare --time --monotonic S`; 0: the host's clock), so the panels' clocks are as unrelated as real hosts'.
#   A negative S must leave the clock non-negative (at most the host's uptime).
# Every exit (success, error, SIGINT/SIGTERM/SIGHUP) removes the run's namespaces and stops every process in them.
# Exit status: the controller's; 130/143/129 when interrupted; 1 if the namespaces could not be removed.
# Panel logs: DIR/logs/panel-<k>.log; the run's network description: DIR/netns.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

panels=8 rid="" out="" bin="${DMIMO_BIN:-}" mtu=1500 qdisc="" rate=1gbit burst="" check=0 curve=${DMIMO_CURVE:-1}
cut_panel="" cut_at=0 cut_for_ms=0 cut_mode=down clock_offsets=()
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
    --plain) curve=0; shift ;;
    --cut-panel) cut_panel=$2; shift 2 ;;
    --cut-at-step) cut_at=$2; shift 2 ;;
    --cut-for-ms) cut_for_ms=$2; shift 2 ;;
    --cut-mode) cut_mode=$2; shift 2 ;;
    --clock-offsets) IFS=, read -r -a clock_offsets <<< "$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-chain.sh: unknown option $1 (controller options go after --)" >&2; exit 2 ;;
  esac
done
case "$curve" in 0|1) ;; *) echo "run-chain.sh: DMIMO_CURVE must be 0 or 1, got '$curve'" >&2; exit 2 ;; esac
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

# Tear-down. Every exit — success, failure, `set -e`, SIGINT/SIGTERM/SIGHUP of this script — ends in cleanup(),
# which runs with errexit off and further signals ignored (so a second Ctrl-C cannot cut it short), stops the
# cut watcher, asks the controller to stop (SIGTERM: it writes the files of the completed steps), removes the
# cluster (dm_down: every process inside the run's namespaces, found with `ip netns pids`, never by name), reaps
# this script's own children and exits with the run's status: the controller's, or 128+signal when interrupted,
# or 1 when the cluster could not be removed completely.
watcher="" controller="" launched=() downlink_args=() claimed=0
is_child() { [ -n "$1" ] && [ "$(awk '{print $4}' "/proc/$1/stat" 2>/dev/null)" = "$$" ]; }  # not a reused pid
cleanup() {
  local status=$? pid deadline
  set +e
  trap - EXIT
  trap '' INT TERM HUP
  if is_child "$watcher"; then kill -TERM "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null; fi
  if is_child "$controller"; then
    kill -TERM "$controller" 2>/dev/null
    deadline=$(( SECONDS + 10 ))
    while is_child "$controller" && [ "$(awk '{print $3}' "/proc/$controller/stat" 2>/dev/null)" != Z ] &&
      [ $SECONDS -lt $deadline ]; do sleep 0.05; done
  fi
  [ "$claimed" -eq 1 ] && dm_down "$rid"  # never the cluster of a parallel run that owns this id
  for pid in "${launched[@]}" "$controller"; do  # only a node started here that never reached its namespace
    if is_child "$pid"; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  done
  if [ "$claimed" -eq 1 ] && [ -n "$(dm_ns_of_run "$rid")" ]; then
    echo "run-chain.sh: namespaces of run $rid could not be removed: $(dm_ns_of_run "$rid" | tr '\n' ' ')" >&2
    [ "$status" -eq 0 ] && status=1
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

dm_claim "$rid"
claimed=1
dm_up "$rid" "$panels" "$mtu"
if [ -n "$qdisc" ]; then dm_shape "$rid" all "$qdisc" "$rate" "$burst"; fi
controller_ip=$(dm_ip "$rid" c)
# CURVE keys of this run: in the run's state directory (created by dm_up, removed by dm_down at tear-down), so a
# run's secret keys never outlive it and never land in the results.
keys_args=() security_args=() security="plain text (--plain or DMIMO_CURVE=0)"
if [ "$curve" -eq 1 ]; then
  keys=$(dm_state_dir "$rid")/keys
  "$bin/chain-controller" keys --out "$keys" --panels "$panels" >/dev/null
  keys_args=(--keys-dir "$keys")
  security_args=(--set security.curve=true --set "security.keys_dir=$keys")
  security="CURVE, fresh keys of this run in $keys (removed at tear-down)"
fi
{ dm_status "$rid"; echo "controller: tcp://$controller_ip:$DM_CONTROLLER_PORT (tcp://controller:$DM_CONTROLLER_PORT)"
  echo "security: $security"; } > "$out/netns.txt"

# the downlink node (used when the run sets downlink.enabled=true), once dmimo-downlink has a `serve` command
if [ -x "$bin/dmimo-downlink" ] && "$bin/dmimo-downlink" --help 2>/dev/null | grep -q serve; then
  ip netns exec "$(dm_ns "$rid" d)" "$bin/dmimo-downlink" serve --endpoint "tcp://$(dm_ip "$rid" d):$DM_DOWNLINK_PORT" \
    "${keys_args[@]}" \
    > "$out/logs/downlink.log" 2>&1 &
  launched+=($!)
  downlink_args=(--set "downlink.endpoint=tcp://downlink:$DM_DOWNLINK_PORT")
fi

for (( k = 0; k < panels; k++ )); do
  clock=()  # the panel's own time namespace (--clock-offsets)
  if [ ${#clock_offsets[@]} -gt 0 ] && [ "${clock_offsets[k % ${#clock_offsets[@]}]}" != 0 ]; then
    clock=(unshare --time --monotonic "${clock_offsets[k % ${#clock_offsets[@]}]}")
  fi
  ip netns exec "$(dm_ns "$rid" "p$k")" "${clock[@]}" "$bin/panel-node" run --index "$k" --controller "tcp://controller:$DM_CONTROLLER_PORT" \
    --bind "tcp://$(dm_ip "$rid" "p$k"):$DM_PANEL_PORT" --advertise "tcp://panel-$k:$DM_PANEL_PORT" \
    --controller-silence-ms 120000 "${keys_args[@]}" > "$out/logs/panel-$k.log" 2>&1 &
  launched+=($!)
done

endpoint_args=(--set "scenario.panels=$panels"
  --set "chain.controller_bind=tcp://$controller_ip:$DM_CONTROLLER_PORT"
  --set "chain.controller_endpoint=tcp://controller:$DM_CONTROLLER_PORT"
  --set "chain.panel_endpoints=tcp://panel-{k}:$DM_PANEL_PORT" "${downlink_args[@]}" "${security_args[@]}")

if [ "$check" -eq 1 ]; then
  config_args=()
  for (( i = 1; i <= $#; i++ )); do  # only --config/--set pass to check
    case "${!i}" in --config|--set) j=$(( i + 1 )); config_args+=("${!i}" "${!j}") ;; esac
  done
  for (( k = 0; k < panels; k++ )); do  # the panels have bound their data port
    dm_wait_listening "$rid" "p$k" "$DM_PANEL_PORT" 60 || echo "run-chain.sh: panel $k does not listen yet" >&2
  done
  dm_exec "$rid" c "$bin/chain-controller" check "${config_args[@]}" "${endpoint_args[@]}" || true
fi

# The cut watcher: waits (polling per_step.csv every 20 ms; the controller flushes rows every 0.2 s) until S steps
# are written and the last of them had panel K in the route (not skipped, e.g. after a start-up time-out), cuts the link, holds the cut for MS ms, heals it, and records both times (and the step count at
# each) in netns.txt. On SIGTERM (clean-up) it stops its hold and exits at once.
steps_written() { local n; n=$(wc -l < "$out/per_step.csv" 2>/dev/null) || n=1; echo $(( n > 0 ? n - 1 : 0 )); }
# cut_panel_in_route: the last complete row of per_step.csv (as many fields as its header) did not skip panel K
# (skipped: column 11).
cut_panel_in_route() {
  tail -n 1 "$out/per_step.csv" 2>/dev/null |
    awk -F, -v k="$cut_panel" -v nf="$(head -n 1 "$out/per_step.csv" | awk -F, '{ print NF }')" 'NF == nf { n = split($11, s, " "); for (i = 1; i <= n; i++) if (s[i] == k) exit 1; ok = 1 }
                               END { exit ok ? 0 : 1 }'
}
if [ -n "$cut_panel" ]; then
  (
    hold=""
    trap '[ -n "$hold" ] && kill "$hold" 2>/dev/null; exit 0' TERM
    until [ "$(steps_written)" -ge "$cut_at" ] && cut_panel_in_route; do sleep 0.02; done
    dm_cut "$rid" "p$cut_panel" "$cut_mode"
    echo "netns: cut panel $cut_panel ($cut_mode) after step $cut_at at $(date +%T.%N) ($(steps_written) steps written)" >> "$out/netns.txt"
    if [ "$cut_for_ms" -gt 0 ]; then
      sleep "$(awk -v ms="$cut_for_ms" 'BEGIN{printf "%.3f", ms/1000}')" & hold=$!
      wait "$hold"; hold=""
      dm_heal "$rid" "p$cut_panel"
      echo "netns: healed panel $cut_panel at $(date +%T.%N) ($(steps_written) steps written)" >> "$out/netns.txt"
    fi
  ) &
  watcher=$!
fi

# The controller runs in the background so that a signal to this script is handled at once (bash runs traps only
# between foreground commands, but interrupts `wait`).
ip netns exec "$(dm_ns "$rid" c)" "$bin/chain-controller" run --no-spawn "${endpoint_args[@]}" --out "$out" "$@" &
controller=$!
status=0
wait "$controller" || status=$?
controller=""
echo "run-chain.sh: controller exited with status $status; results in $out" >&2
exit "$status"

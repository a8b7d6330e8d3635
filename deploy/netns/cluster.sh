#!/usr/bin/env bash
# cluster.sh: command-line front end of netns-lib.sh — build, shape, cut, heal, inspect and remove a netns cluster.
#
#   cluster.sh up      --run-id RID --panels N [--mtu BYTES] [--qdisc tbf|htb --rate 1gbit [--burst BYTES]]
#   cluster.sh shape   --run-id RID [--node all|c|d|p<k>] --qdisc tbf|htb|none [--rate 10gbit] [--burst BYTES]
#   cluster.sh cut     --run-id RID --node p<k> [--mode down|blackhole]
#   cluster.sh heal    --run-id RID --node p<k>
#   cluster.sh status  --run-id RID
#   cluster.sh exec    --run-id RID --node c|d|p<k> -- COMMAND…
#   cluster.sh down    --run-id RID
#   cluster.sh list                      (clusters with state in /run/dmimo-netns)
#
# `up` leaves the cluster running (remove it with `down`); run-chain.sh builds and removes its own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[ $# -ge 1 ] || usage
action=$1; shift
rid="" panels="" mtu=1500 qdisc="" rate=1gbit burst="" node=all mode=down
while [ $# -gt 0 ]; do
  case "$1" in
    --run-id) rid=$2; shift 2 ;;
    --panels) panels=$2; shift 2 ;;
    --mtu) mtu=$2; shift 2 ;;
    --qdisc) qdisc=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --burst) burst=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage 0 ;;
    *) echo "cluster.sh: unknown option $1" >&2; usage ;;
  esac
done
if [ "$action" != list ]; then
  [ -n "$rid" ] || { echo "cluster.sh: --run-id is required" >&2; exit 2; }
  dm_validate_run_id "$rid"
fi
if ! why=$(dm_check_environment); then echo "cluster.sh: $why" >&2; exit 1; fi

case "$action" in
  up)
    [ -n "$panels" ] || { echo "cluster.sh: --panels is required" >&2; exit 2; }
    if ! dm_up "$rid" "$panels" "$mtu"; then dm_down "$rid"; echo "cluster.sh: set-up failed; removed" >&2; exit 1; fi
    if [ -n "$qdisc" ]; then dm_shape "$rid" all "$qdisc" "$rate" "$burst" || { dm_down "$rid"; exit 1; }; fi
    dm_status "$rid" ;;
  shape) dm_shape "$rid" "$node" "${qdisc:-tbf}" "$rate" "$burst" ;;
  cut) dm_cut "$rid" "$node" "$mode" ;;
  heal) dm_heal "$rid" "$node" ;;
  status) dm_status "$rid" ;;
  exec) [ $# -ge 1 ] || usage; dm_exec "$rid" "$node" "$@" ;;
  down) dm_down "$rid"; echo "cluster $rid removed" >&2 ;;
  list) ls "$DM_STATE_ROOT" 2>/dev/null || true ;;
  *) usage ;;
esac

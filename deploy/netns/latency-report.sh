#!/usr/bin/env bash
# latency-report.sh: per-hop link time measured beside the modelled one, for the chain on loopback (J processes on
# this host) and across J+2 network namespaces — unshaped veth/bridge, and shaped (tbf, then htb) to 1 and 10 Gbit/s.
#
#   latency-report.sh [--panels J] [--steps N] [--out DIR] [--bin DIR] [--qdiscs "tbf htb"] [--burst BYTES]
#                     [--rates "1gbit 10gbit"] [-- EXTRA chain-controller run OPTIONS]
#
# Defaults: the default configuration (J = 24, N_p = 4096, seed 2025) for 100 steps. For a shaped run the model's
# line rate is set to the shaped rate (--set fronthaul.rate_gbps=R), so "modelled" = 8·bytes/R + 0.87 µs is what an
# ideal link of that rate would take; unshaped runs are compared with the default 25 Gbit/s model.
# Columns (µs unless stated; p50 over the panel→panel hops of all steps, from summary.json):
#   measured  fronthaul.measured_link_us (receiver's receive stamp − sender's send stamp, one host clock)
#   modelled  fronthaul.modelled_us;  ratio = measured p50 / modelled p50
#   hop_all   link_us p50 (every hop, also controller→panel 0);  e2e latency_us p50/p99 (step start → result)
# Every row runs in plain text (run-chain.sh --plain), like the bare TCP it is compared with, except the row
# "netns veth+bridge, unshaped, CURVE": the unshaped namespaces again with CURVE (run-chain.sh's default), to show
# what encryption costs per hop and end to end.
# Needs root for the namespace rows (the loopback row runs anyway). Writes DIR/latency-report.txt and .csv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

panels=24 steps=100 out="" bin="${DMIMO_BIN:-}" qdiscs="tbf htb" burst="" rates="1gbit 10gbit"
while [ $# -gt 0 ]; do
  case "$1" in
    --panels) panels=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --qdiscs) qdiscs=$2; shift 2 ;;
    --burst) burst=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "latency-report.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$bin" ]; then bin=$(cd "$repo" && swift build -c release -Xswiftc -enable-testing --show-bin-path); fi
out=${out:-$repo/results/latency-report-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
common=(--set "scenario.panels=$panels" --steps "$steps" "$@")
rows=()

run_case() { # run_case NAME DIR COMMAND…   (records NAME|DIR when the run succeeded)
  local name=$1 dir=$2; shift 2
  echo "latency-report: $name" >&2
  if "$@" > "$dir.log" 2>&1; then rows+=("$name|$dir"); else echo "latency-report: $name failed: $(grep -v '^run:' "$dir.log" | tail -2)" >&2; fi
}

# bare_tcp DIR QDISC RATE: one-way time of a bare TCP message of the chain's γ size between two namespaces shaped
# like the run's, written to DIR/bare_tcp.txt ("p50 p10 p90" µs): what the emulated link itself costs; and the
# bulk TCP throughput of that link (50 MB) in DIR/bulk_gbps.txt: whether the shaper delivers its nominal rate here.
bare_tcp() {
  local dir=$1 qdisc=$2 rate=$3 rid bytes
  [ -f "$dir/hops.csv" ] || return 0
  bytes=$(awk -F, 'NR > 1 && $3 != 0 {print $12}' "$dir/hops.csv" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  rid=$(dm_new_run_id)
  dm_up "$rid" 2 > /dev/null 2>&1 || return 0
  [ "$qdisc" = none ] || dm_shape "$rid" all "$qdisc" "$rate" "$burst"
  dm_exec "$rid" p1 python3 "$here/tcp-oneway.py" server "$(dm_ip "$rid" p1)" 105 "$bytes" > "$dir/bare_tcp.txt" &
  local server=$!
  dm_exec "$rid" p0 python3 "$here/tcp-oneway.py" client "$(dm_ip "$rid" p1)" 105 "$bytes" || true
  wait "$server" || true
  dm_exec "$rid" p1 python3 "$here/tcp-oneway.py" bulk-server "$(dm_ip "$rid" p1)" 0 50000000 > "$dir/bulk_gbps.txt" &
  server=$!
  dm_exec "$rid" p0 python3 "$here/tcp-oneway.py" bulk-client "$(dm_ip "$rid" p1)" 0 50000000 || true
  wait "$server" || true
  dm_down "$rid"
}

run_case "loopback (J processes, one host)" "$out/loopback" \
  "$bin/chain-controller" run "${common[@]}" --out "$out/loopback"
if why=$(dm_check_environment); then
  run_case "netns veth+bridge, unshaped" "$out/netns-raw" \
    bash "$here/run-chain.sh" --bin "$bin" --plain --panels "$panels" --out "$out/netns-raw" -- "${common[@]}"
  bare_tcp "$out/netns-raw" none ""
  run_case "netns veth+bridge, unshaped, CURVE" "$out/netns-curve" \
    bash "$here/run-chain.sh" --bin "$bin" --panels "$panels" --out "$out/netns-curve" -- "${common[@]}"
  for qdisc in $qdiscs; do
    for rate in $rates; do
      gbps=$(awk -v r="$rate" 'BEGIN{ if (r ~ /gbit$/) { sub(/gbit$/, "", r); print r } else { sub(/mbit$/, "", r); print r/1000 } }')
      shaping=(--qdisc "$qdisc" --rate "$rate"); [ -n "$burst" ] && shaping+=(--burst "$burst")
      run_case "netns $qdisc $rate" "$out/netns-$qdisc-$rate" \
        bash "$here/run-chain.sh" --bin "$bin" --plain --panels "$panels" --out "$out/netns-$qdisc-$rate" "${shaping[@]}" \
          -- "${common[@]}" --set "fronthaul.rate_gbps=$gbps"
      bare_tcp "$out/netns-$qdisc-$rate" "$qdisc" "$rate"
    done
  done
else
  echo "latency-report: namespace rows skipped: $why" >&2
fi

python3 - "$out" "${rows[@]}" <<'PY' | tee "$out/latency-report.txt"
import csv, json, statistics, sys
out, rows = sys.argv[1], sys.argv[2:]
import os
head = ["setup", "bytes", "measured_p50", "measured_p90", "measured_p99", "modelled_p50", "ratio",
        "hop_all_p50", "e2e_p50", "e2e_p99", "compute_p50", "slower_than_model", "bare_tcp_p50", "bulk_gbps"]
table = []
for row in rows:
    name, d = row.split("|", 1)
    s = json.load(open(f"{d}/summary.json"))
    f = s["fronthaul"]
    with open(f"{d}/hops.csv") as h:
        sizes = [int(r["link_bytes"]) for r in csv.DictReader(h) if r["panel"] != "0"]
    m, mod = f["measured_link_us"], f["modelled_us"]
    table.append([name, int(statistics.median(sizes)), m["p50"], m["p90"], m["p99"], mod["p50"], m["p50"] / mod["p50"],
                  s["link_us"]["p50"], s["latency_us"]["p50"], s["latency_us"]["p99"], s["compute_us"]["p50"],
                  f"{f['hops_raw_slower_than_model']}/{f['panel_to_panel_hops']}"])
    bare = f"{d}/bare_tcp.txt"
    table[-1].append(float(open(bare).read().split()[0]) if os.path.exists(bare) and open(bare).read().strip() else float("nan"))
    bulk = f"{d}/bulk_gbps.txt"
    table[-1].append(float(open(bulk).read()) if os.path.exists(bulk) and open(bulk).read().strip() else float("nan"))
    cfg = f"J={s.get('panels', '?')}, N_p={s.get('particles', '?')}, {s.get('steps_delivered', '?')} steps, model {f['rate_gbps']} Gbit/s + {f['per_transfer_us']} µs"
    table[-1].append(cfg)
with open(f"{out}/latency-report.csv", "w", newline="") as h:
    w = csv.writer(h); w.writerow(head + ["config"]); w.writerows(table)
print(f"{'setup':36} {'bytes':>6} {'meas p50':>9} {'p90':>8} {'p99':>8} {'model p50':>9} {'ratio':>6} {'tcp p50':>8} {'Gbit/s':>6} {'hop p50':>8} {'e2e p50':>9} {'e2e p99':>9} {'comp p50':>8} {'>model':>9}")
for r in table:
    print(f"{r[0]:36} {r[1]:6d} {r[2]:9.1f} {r[3]:8.1f} {r[4]:8.1f} {r[5]:9.2f} {r[6]:6.1f} {r[12]:8.1f} {r[13]:6.2f} {r[7]:8.1f} {r[8]:9.1f} {r[9]:9.1f} {r[10]:8.1f} {r[11]:>9}")
for r in table:
    print(f"  {r[0]}: {r[14]}")
print("(µs; measured/modelled: panel->panel hops, p50 over hops of all steps; 'bytes' = median γ message size;")
print(" tcp = one-way time of a bare TCP message of that size over a link shaped the same way (no ZeroMQ, no protobuf);")
print(" Gbit/s = bulk TCP throughput that link achieves here; a shaped row below its nominal rate is timer-bound,")
print(" a measured p50 below the modelled one means the shaper let the message through as a burst (htb with GSO);")
print(" e2e = step start -> result on the controller; one host clock, so one-way times are exact)")
PY
echo "latency-report: result folders and latency-report.{txt,csv} in $out" >&2

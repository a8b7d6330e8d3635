#!/usr/bin/env bash
# netns-islands.sh: islands (filter.islands = 8, docs/MODEL.md §B.7) across network-namespace hosts — 4 panels, each
# in its own namespace (deploy/netns/run-chain.sh, CURVE on). (1) Islands lost on the way (a corrupted transmission:
# the receiver drops it, the sender resends it after the acknowledgement deadline, so it arrives after the step's
# later islands) and duplicated islands: every step delivered, the estimates bit-identical to the in-process run.
# (2) A panel killed mid-run: every later step ends degraded with that panel listed as skipped, none abandoned, none
# missing, the estimate on track. Nothing of the test may be left behind.
# Needs root and `ip netns`; skips (exit 77, counted as skipped) otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
skip() { echo "netns-islands: SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (network namespaces need root)"
# shellcheck source=../../deploy/netns/netns-lib.sh
. deploy/netns/netns-lib.sh
why=$(dm_check_environment) || skip "$why"
bin=${DMIMO_BIN:-$(swift build -c release -Xswiftc -enable-testing --show-bin-path)}
[ -x "$bin/chain-controller" ] && [ -x "$bin/panel-node" ] || { echo "netns-islands: FAIL: build first (scripts/build.sh)"; exit 1; }
panels=4 steps=60 seed=31
common=(--set scenario.panels=$panels --set filter.particles=1024 --set filter.islands=8 --steps $steps --seed $seed
        --set chain.ack_timeout_ms=300 --set chain.readmit_after_ms=300)
tmp=$(mktemp -d)
rid=$(dm_new_run_id)
run_ids=("${rid}f" "${rid}k")
child=""
cleanup() {
  local status=$? r
  set +e
  trap - EXIT
  trap '' INT TERM HUP
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  for r in "${run_ids[@]}"; do dm_down "$r"; done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
run_chain() {
  local log=$1 status=0; shift
  bash deploy/netns/run-chain.sh --bin "$bin" "$@" > "$log" 2>&1 &
  child=$!
  wait "$child" || status=$?
  child=""
  return $status
}
failures=0
fail() { echo "netns-islands: FAIL: $*"; failures=$(( failures + 1 )); }
pass() { echo "netns-islands: ok: $*"; }

# 1. lost (resent, so out of order) and duplicated islands change no bit
lost_and_duplicated_islands_change_no_bit() {
  "$bin/chain-controller" run --in-process "${common[@]}" --out "$tmp/inproc" > "$tmp/inproc.txt" 2>&1 \
    || { fail "in-process run: $(tail -1 "$tmp/inproc.txt")"; return; }
  local status=0
  run_chain "$tmp/faults.txt" --run-id "${rid}f" --panels $panels --out "$tmp/faults" -- "${common[@]}" \
    --set 'faults=[{at_step: 10, action: corrupt, panel: 1}, {at_step: 20, action: duplicate, panel: 2}, {at_step: 30, action: corrupt, panel: 0}]' \
    || status=$?
  [ $status -eq 0 ] || { fail "run across namespaces exited $status: $(grep -v '^run:' "$tmp/faults.txt" | tail -3)"; return; }
  local verdict
  if verdict=$(scripts/python - "$tmp/faults" "$steps" <<'PY'
import csv, json, sys
out, steps = sys.argv[1], int(sys.argv[2])
s = json.load(open(f"{out}/summary.json"))
rows = list(csv.DictReader(open(f"{out}/per_step.csv")))
problems = []
if s["steps_delivered"] != steps: problems.append(f"{s['steps_delivered']} of {steps} steps delivered")
waited = [int(r["step"]) for r in rows if float(r["latency_us"] or 0) > 250_000]
if not {10, 30} <= set(waited): problems.append(f"steps that waited for a resent island: {waited}, expected 10 and 30")
c = s["node_counters"]
if c["checksum_errors"] + c["dropped"] < 2: problems.append(f"panels dropped {c['checksum_errors']} + {c['dropped']} corrupted islands, expected 2")
if c["duplicates"] < 1: problems.append("no duplicate island was dropped")
print(f"{s['steps_delivered']}/{steps} delivered; steps {waited} waited for a resent island; panels dropped "
      f"{c['checksum_errors'] + c['dropped']} corrupted and {c['duplicates']} duplicate islands"
      + ("" if not problems else ": " + "; ".join(problems)))
sys.exit(1 if problems else 0)
PY
  ); then
    if cmp -s <(cut -d, -f1-10 "$tmp/inproc/per_step.csv") <(cut -d, -f1-10 "$tmp/faults/per_step.csv"); then
      pass "J=$panels B=8 across namespaces, $verdict; estimates identical to the in-process run"
    else
      fail "estimates differ from the in-process run ($verdict)"
      { diff <(cut -d, -f1-10 "$tmp/inproc/per_step.csv") <(cut -d, -f1-10 "$tmp/faults/per_step.csv") || true; } | head -5
    fi
  else
    fail "lost/duplicated islands: $verdict"
  fi
}

# 2. a panel killed mid-run: later steps degraded, listing it; none abandoned, none missing
killed_panel_degrades_never_wrong() {
  local status=0
  run_chain "$tmp/kill.txt" --run-id "${rid}k" --panels $panels --out "$tmp/kill" -- "${common[@]}" \
    --set 'faults=[{at_step: 30, action: kill, panel: 2}]' || status=$?
  [ $status -eq 0 ] || { fail "kill run exited $status: $(grep -v '^run:' "$tmp/kill.txt" | tail -3)"; return; }
  local verdict
  if verdict=$(scripts/python - "$tmp/kill" "$steps" <<'PY'
import csv, json, sys
out, steps = sys.argv[1], int(sys.argv[2])
s = json.load(open(f"{out}/summary.json"))
rows = list(csv.DictReader(open(f"{out}/per_step.csv")))
inj, dlv, deg, abd = (s[k] for k in ("steps_injected", "steps_delivered", "steps_degraded", "steps_abandoned"))
problems = []
if inj != steps or dlv + deg + abd != inj: problems.append(f"injected {inj}: {dlv} + {deg} + {abd}")
if abd: problems.append(f"{abd} abandoned")
if [int(r["step"]) for r in rows] != list(range(steps)): problems.append("per_step.csv does not hold every step once")
late = [r for r in rows if int(r["step"]) > 30]
if any(r["outcome"] != "degraded" or "2" not in r["skipped"].split() for r in late):
    problems.append("a step after the kill is not degraded with panel 2 skipped")
if any(r["outcome"] == "degraded" and "2" not in r["skipped"].split() for r in rows):
    problems.append("a step degraded without panel 2")
if not s["rmse_m"] < 0.5: problems.append(f"RMSE {s['rmse_m']} m")
print(f"{inj} steps: {dlv} delivered, {deg} degraded (panel 2 skipped), {abd} abandoned, RMSE {100 * s['rmse_m']:.2f} cm"
      + ("" if not problems else ": " + "; ".join(problems)))
sys.exit(1 if problems else 0)
PY
  ); then pass "panel 2 killed at step 30 (B=8): $verdict"; else fail "kill: $verdict"; fi
}

lost_and_duplicated_islands_change_no_bit
killed_panel_degrades_never_wrong
left=""
for r in "${run_ids[@]}"; do left+=$(dm_ns_of_run "$r" | tr '\n' ' '); done
[ -z "$left" ] && pass "no namespace left behind" || fail "namespaces left behind: $left"
[ $failures -eq 0 ] || { echo "netns-islands: $failures failure(s)"; exit 1; }
echo "netns-islands: all passed"

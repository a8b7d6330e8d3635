#!/usr/bin/env bash
# netns-clocks.sh: clocks across hosts, for real — the J=8 chain over network-namespace hosts whose panels each run in
# their own time namespace (`unshare --time --monotonic S`, panel k gets S = 0, +1 day, −1 day for k mod 3 = 0, 1, 2,
# so every hop crosses two unrelated clocks), against the same run without offsets:
#   - each panel's estimated clock offset is the one applied (within 1 s), its bound stated;
#   - one-way link p50 (all hops, and last panel → controller) within the two runs' stated bounds (p50 of link_bound_us, summed) of the
#     offset-free run's;
#   - fronthaul.mode=emulate with the offsets: every panel-to-panel hop padded to ≥ the model (within its bound),
#     no hold longer than the model (hold = link_us − raw_link_us, one clock), and no padded hop longer than the
#     model plus the floor (one way of a ping-pong of γ-sized payloads between two of the namespaces, measured here
#     with pyzmq) plus its bound;
#   - estimates (per_step.csv columns 1-10) of all three runs identical to the in-process run.
# −1 day needs an uptime over a day (the kernel refuses a negative CLOCK_MONOTONIC); on a younger host the test uses
# the largest negative offset that works (uptime − 60 s) and says so. Needs root, `ip netns` and time namespaces;
# skips (exit 77) otherwise. Plain text (--plain): the test is about clocks, not CURVE.
set -euo pipefail
cd "$(dirname "$0")/../.."
skip() { echo "netns-clocks: SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (network and time namespaces need root)"
# shellcheck source=../../deploy/netns/netns-lib.sh
. deploy/netns/netns-lib.sh
why=$(dm_check_environment) || skip "$why"
unshare --time --monotonic 86400 true 2>/dev/null || skip "no time namespaces (unshare --time, Linux ≥ 5.6)"

bin=${DMIMO_BIN:-$(swift build -c release -Xswiftc -enable-testing --show-bin-path)}
[ -x "$bin/chain-controller" ] && [ -x "$bin/panel-node" ] || { echo "netns-clocks: FAIL: build first (scripts/build.sh)"; exit 1; }
panels=8 steps=${DMIMO_CLOCKS_STEPS:-60} particles=1024 seed=77 day=86400
common=(--set "filter.particles=$particles" --steps "$steps" --seed "$seed" --set chain.ack_timeout_ms=2000)
emulate=(--set fronthaul.mode=emulate --set fronthaul.rate_gbps=1)  # 1 Gbit/s: a model (~130 µs) the hops can meet
negative=-$day
if ! unshare --time --monotonic "$negative" true 2>/dev/null; then
  uptime=$(awk '{print int($1)}' /proc/uptime)
  negative=-$(( uptime - 60 ))
  unshare --time --monotonic "$negative" true 2>/dev/null || skip "no negative monotonic offset works (uptime ${uptime} s)"
  echo "netns-clocks: note: the host is up only ${uptime} s: −1 day is refused by the kernel; using ${negative} s"
fi
offsets="0,$day,$negative"
tmp=$(mktemp -d)
rid=$(dm_new_run_id)
run_ids=("${rid}a" "${rid}b" "${rid}e" "${rid}f")
child="" floor_pid=""
cleanup() {
  local status=$? r
  set +e
  trap - EXIT
  trap '' INT TERM HUP
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  if [ -n "$floor_pid" ]; then kill "$floor_pid" 2>/dev/null; wait "$floor_pid" 2>/dev/null; fi
  for r in "${run_ids[@]}"; do dm_down "$r"; done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
failures=0
fail() { echo "netns-clocks: FAIL: $*"; failures=$(( failures + 1 )); }
pass() { echo "netns-clocks: ok: $*"; }
run_chain() {  # run_chain NAME RID ARGS… (after --: controller options)
  local name=$1 r=$2 status=0; shift 2
  bash deploy/netns/run-chain.sh --bin "$bin" --plain --run-id "$r" --panels "$panels" --out "$tmp/$name" "$@" \
    > "$tmp/$name.txt" 2>&1 &
  child=$!
  wait "$child" || status=$?
  child=""
  [ $status -eq 0 ] || fail "$name run exited $status: $(grep -v '^run:' "$tmp/$name.txt" | tail -3 | tr '\n' ' ')"
  return $status
}

"$bin/chain-controller" run --in-process --set "scenario.panels=$panels" "${common[@]}" --out "$tmp/inproc" \
  > "$tmp/inproc.txt" 2>&1 || { fail "in-process run: $(tail -1 "$tmp/inproc.txt")"; exit 1; }
ok=1
run_chain plain "${rid}a" -- "${common[@]}" || ok=0
run_chain shifted "${rid}b" --clock-offsets "$offsets" -- "${common[@]}" || ok=0
run_chain emulated "${rid}e" --clock-offsets "$offsets" -- "${common[@]}" "${emulate[@]}" || ok=0
[ $ok = 1 ] || exit 1

# the floor: one way of a ping-pong of γ-sized payloads (the hops' median link_bytes) between two namespaces
bytes=$(awk -F, 'NR > 1 && $10 != "" {print $12}' "$tmp/emulated/hops.csv" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
dm_up "${rid}f" 2 >/dev/null 2>&1 || { fail "floor cluster set-up"; exit 1; }
server=$(dm_ip "${rid}f" p1)
ip netns exec "$(dm_ns "${rid}f" p1)" scripts/python -c '
import sys, zmq
s = zmq.Context().socket(zmq.REP); s.bind(sys.argv[1])
while True: s.send(s.recv(copy=False), copy=False)' "tcp://$server:5599" &
floor_pid=$!
floor_us=$(ip netns exec "$(dm_ns "${rid}f" p0)" scripts/python -c '
import sys, time, zmq
s = zmq.Context().socket(zmq.REQ); s.connect(sys.argv[1]); payload = bytes(int(sys.argv[2]))
rtts = []
for i in range(400):
    t = time.monotonic_ns(); s.send(payload, copy=False); s.recv(copy=False); rtts.append(time.monotonic_ns() - t)
rtts = sorted(rtts[50:])
print(f"{rtts[len(rtts) // 2] / 2000:.1f}")' "tcp://$server:5599" "$bytes") || { fail "floor ping-pong"; exit 1; }
kill "$floor_pid" 2>/dev/null; wait "$floor_pid" 2>/dev/null || true; floor_pid=""
dm_down "${rid}f"
echo "  floor: ping-pong of $bytes-byte payloads between two namespaces (pyzmq REQ/REP), one way p50 $floor_us µs"

for name in plain shifted emulated; do
  if cmp -s <(cut -d, -f1-10 "$tmp/inproc/per_step.csv") <(cut -d, -f1-10 "$tmp/$name/per_step.csv"); then
    pass "$name run: $steps steps, estimates identical to the in-process run"
  else
    fail "$name run: estimates differ from the in-process run"
  fi
done

verdict=$(scripts/python - "$tmp" "$offsets" "$floor_us" <<'PY'
import csv, json, sys
tmp, offsets, floor_us = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], float(sys.argv[3])
def load(name):
    return json.load(open(f"{tmp}/{name}/summary.json")), list(csv.DictReader(open(f"{tmp}/{name}/hops.csv")))
problems, lines = [], []
plain, _ = load("plain")
for name in ("shifted", "emulated"):
    s, _ = load(name)
    c = s["clocks"]
    for k, (off, bound) in enumerate(zip(c["offset_us"], c["bound_us"])):
        want = offsets[k % len(offsets)] * 1e6
        if off is None or abs(off - want) > 1e6:
            problems.append(f"{name}: panel {k} offset {off} µs, applied {want:.0f} µs")
    lines.append(f"{name}: panel offsets " + ", ".join(f"{o / 1e6:+.6f} s" for o in c["offset_us"][:3])
                 + f" …, bounds ± {min(c['bound_us']):.1f}-{max(c['bound_us']):.1f} µs")
shifted, _ = load("shifted")
for key, bound_key, what in (("link_us", "link_bound_us", "one-way link"),
                             ("result_link_us", "result_link_bound_us", "last panel -> controller")):
    # each run's figure is within its own bound of the truth, so the two differ by at most the sum of both bounds
    a, b, bound = plain[key]["p50"], shifted[key]["p50"], plain[bound_key]["p50"] + shifted[bound_key]["p50"]
    ok = abs(a - b) <= bound
    lines.append(f"{what} p50: {a:.1f} µs without offsets, {b:.1f} µs with (bound ± {bound:.1f} µs, "
                 f"difference {b - a:+.1f} µs){'' if ok else ' -- OUTSIDE the bound'}")
    if not ok: problems.append(f"{what} p50 {b:.1f} µs with offsets vs {a:.1f} µs without: outside ± {bound:.1f} µs")
    if max(abs(plain[key]["max"]), abs(shifted[key]["max"])) > 1e6:
        problems.append(f"{what}: a one-way time over 1 s (raw clocks subtracted?)")
_, hops = load("emulated")
hops = [h for h in hops if h["modelled_link_us"]]
if not hops: problems.append("emulated: no panel-to-panel hop with a model")
pads, short, long_hold, over, excess = [], [], [], [], []
for h in hops:
    link, raw, model, bound = (float(h[k]) for k in ("link_us", "raw_link_us", "modelled_link_us", "link_bound_us"))
    pad = link - raw
    pads.append((pad, model))
    if link + bound < model: short.append(h)
    if pad > model + 0.001: long_hold.append(h)
    if pad > 0:
        excess.append(link - model)
        if link > model + floor_us + bound: over.append((link - model, bound))
padded = [p for p, _ in pads if p > 0]
lines.append(f"emulate: {len(hops)} panel-to-panel hops, model {min(m for _, m in pads):.1f}-{max(m for _, m in pads):.1f} µs; "
             f"{len(padded)} padded, hold {min(padded, default=0):.1f}-{max(padded, default=0):.1f} µs; "
             f"link {min(float(h['link_us']) for h in hops):.1f}-{max(float(h['link_us']) for h in hops):.1f} µs; "
             f"padded hops' link - model {min(excess, default=0):+.1f} to {max(excess, default=0):+.1f} µs (floor {floor_us} µs)")
if short: problems.append(f"emulate: {len(short)} hops shorter than the model beyond their bound")
if long_hold: problems.append(f"emulate: {len(long_hold)} hops held longer than the model")
if over: problems.append(f"emulate: {len(over)} padded hops longer than model + floor {floor_us} µs + bound "
                         f"(worst {max(o for o, _ in over):.1f} µs over the model)")
if not padded: problems.append("emulate: no hop was padded (model below every hop?)")
print("\n".join("  " + l for l in lines))
if problems: print("PROBLEMS: " + "; ".join(problems))
sys.exit(1 if problems else 0)
PY
) && { echo "$verdict"; pass "clock offsets $offsets s: one-way figures within their bounds, emulation between model and model + floor"; } \
  || { echo "$verdict"; fail "clocks across hosts"; }

left=""
for r in "${run_ids[@]}"; do left+=$(dm_ns_of_run "$r" | tr '\n' ' '); done
[ -z "$left" ] || fail "namespaces left behind: $left"
[ $failures -eq 0 ] || { echo "netns-clocks: $failures failure(s)"; exit 1; }
echo "netns-clocks: all passed ($SECONDS s)"

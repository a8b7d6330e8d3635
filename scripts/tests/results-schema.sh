#!/usr/bin/env bash
# results-schema.sh: the JSON every mode writes matches docs/RESULTS-FORMAT.md (scripts/check_results_schema.py:
# every field documented with its type, every always-present field there, numbers never "nan" strings) — summary.json
# and manifest.json of an in-process run, a distributed run, a distributed run with the downlink node and one with a
# scripted panel kill, and `probe --json`; `dmimo-downlink peb --json` is strict JSON. Then `chain-controller compare`
# (which reads summary.json through the typed Swift schema): a folder against itself reports no difference; in-process
# J=8 sets of 4 runs with N_p=1024 and N_p=4096 report an accuracy difference beyond the spread over runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${DMIMO_BIN:-.build/release}
for exe in chain-controller panel-node dmimo-downlink; do
  [ -x "$bin/$exe" ] || { echo "results-schema: FAIL: $bin/$exe missing (run scripts/build.sh, or set DMIMO_BIN)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "results-schema: FAIL: $*"; failures=$(( failures + 1 )); }
cc="$bin/chain-controller"
small=(--steps 30 --set scenario.panels=4 --set filter.particles=256)
printf 'faults:\n  - {at_step: 10, action: kill, panel: 2}\n' > "$tmp/fault.yaml"
"$cc" run --in-process "${small[@]}" --out "$tmp/inproc" > /dev/null 2>&1 || fail "in-process run"
"$cc" run "${small[@]}" --out "$tmp/dist" > /dev/null 2>&1 || fail "distributed run"
"$cc" run "${small[@]}" --set downlink.enabled=true --out "$tmp/downlink" > /dev/null 2>&1 || fail "distributed run with downlink"
"$cc" run --config "$tmp/fault.yaml" "${small[@]}" --set chain.ack_timeout_ms=200 --out "$tmp/fault" > /dev/null 2>&1 || fail "run with a fault"
"$cc" probe --panels 3 --particles 256 --messages 50 --json > "$tmp/probe.json" 2> /dev/null || fail "probe --json"
"$bin/dmimo-downlink" peb --json > "$tmp/peb.json" 2> /dev/null || fail "dmimo-downlink peb --json"
args=()
for d in inproc dist downlink fault; do args+=(summary.json "$tmp/$d/summary.json" manifest.json "$tmp/$d/manifest.json"); done
args+=("probe --json" "$tmp/probe.json")
scripts/python scripts/check_results_schema.py "${args[@]}" || fail "a file does not match docs/RESULTS-FORMAT.md"
scripts/python - "$tmp" <<'PY' || fail "section checks"
import json, sys
tmp = sys.argv[1]
strict = lambda p: json.load(open(p), parse_constant=lambda c: sys.exit(f"{p}: non-JSON constant {c}"))
peb = strict(f"{tmp}/peb.json")
assert "nan" not in open(f"{tmp}/peb.json").read(), "peb.json holds a nan string"
assert "downlink" in strict(f"{tmp}/downlink/summary.json"), "the downlink run's summary has no downlink section"
faults = strict(f"{tmp}/fault/summary.json")["faults"]
assert len(faults) == 1 and faults[0]["action"] == "kill", f"fault run: faults {faults}"
header = open(f"{tmp}/dist/per_step.csv").readline().strip().split(",")
assert header[-8:] == [f"los_visible_{j}" for j in range(4)] + [f"los_detected_{j}" for j in range(4)], header
print("results-schema: downlink section, fault entry, per-panel LoS columns present")
PY
"$cc" compare "$tmp/dist" "$tmp/dist" > "$tmp/self.txt" || fail "compare A A"
grep -q "^no difference exceeds the run-to-run spread$" "$tmp/self.txt" || { fail "compare of a run with itself:"; cat "$tmp/self.txt"; }
grep -E '  (SIGNIFICANT|differs)$' "$tmp/self.txt" && fail "compare of a run with itself shows differences"
for n in 1024 4096; do
  "$cc" run --in-process --runs 4 --set scenario.panels=8 --set filter.particles=$n --out "$tmp/np$n" > /dev/null 2>&1 || fail "N_p=$n run"
done
"$cc" compare --json "$tmp/np1024" "$tmp/np4096" > "$tmp/np.json" || fail "compare N_p=1024 N_p=4096"
"$cc" compare "$tmp/np1024" "$tmp/np4096" | grep -E '^accuracy|exceed' || true
scripts/python - "$tmp/np.json" <<'PY' || fail "N_p=1024 vs 4096: no accuracy difference beyond the spread"
import json, sys
c = json.load(open(sys.argv[1]))
acc = [q for q in c["quantities"] if q["group"] == "accuracy" and q["significant"]]
sys.exit(0 if acc else 1)
PY
[ "$failures" -eq 0 ] && echo "results-schema: ok" || exit 1

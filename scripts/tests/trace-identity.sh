#!/usr/bin/env bash
# trace-identity.sh: export → run on the trace gives the estimates of the run on the synthetic world (per_step.csv
# columns 1-8 identical), for both trace levels (true-paths: the controller impairs them; measurements: used as
# given), in-process and as 4 panel processes (J = 4, 40 steps, 1024 particles: quick). Also: a trace with a bad unit
# is refused with exit 2 and "FILE:LINE: reason", and a trace with one panel's paths removed still runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${DMIMO_BIN:-.build/release}
[ -x "$bin/chain-controller" ] && [ -x "$bin/panel-node" ] || { echo "trace-identity: FAIL: $bin/chain-controller or panel-node missing (run scripts/build.sh)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "trace-identity: FAIL: $*"; failures=$(( failures + 1 )); }
pass() { echo "trace-identity: ok: $*"; }
set_=(--set scenario.panels=4 --set filter.particles=1024 --steps 40)
run() { local name=$1; shift; "$bin/chain-controller" run "${set_[@]}" --out "$tmp/$name" "$@" >"$tmp/$name.log" 2>&1 \
  || { fail "$name: exit $?: $(tail -3 "$tmp/$name.log")"; return 1; }; }
same() { cmp -s <(cut -d, -f1-8 "$tmp/$1/per_step.csv") <(cut -d, -f1-8 "$tmp/$2/per_step.csv"); }

for level in true-paths measurements; do
  "$bin/chain-controller" export-trace "${set_[@]}" --level "$level" --out "$tmp/$level.csv" >/dev/null
done
run synthetic --in-process
rows=$(( $(wc -l < "$tmp/synthetic/per_step.csv") - 1 ))
[ "$rows" -eq 40 ] || fail "synthetic run wrote $rows steps, expected 40"
for level in true-paths measurements; do
  for mode in in-process processes; do
    flag=(); [ $mode = in-process ] && flag=(--in-process)
    run "$level-$mode" "${flag[@]}" --trace "$tmp/$level.csv" || continue
    if same synthetic "$level-$mode"; then pass "$level trace, $mode: per_step.csv columns 1-8 identical to the synthetic run ($rows steps)"
    else fail "$level trace, $mode: estimates differ from the synthetic run"; fi
  done
done
# a run's config.yaml (with trace.file) runs again to the same estimates
run rerun --config "$tmp/true-paths-processes/config.yaml" && { same synthetic rerun \
  && pass "re-run from the results' config.yaml (trace.file): identical" || fail "re-run from config.yaml differs"; }
# another seed changes the impaired true paths but not a measurements trace
run true-paths-seed7 --in-process --seed 7 --trace "$tmp/true-paths.csv" && run measurements-seed7 --in-process --seed 7 --trace "$tmp/measurements.csv" \
  && { same synthetic true-paths-seed7 && fail "true-paths trace ignored the run seed" || pass "true-paths trace: seed 7 gives other measurements"; }
# refusal: a wrong unit, with file and line
sed 's/^step,panel,distance_m,aoa_rad/step,panel,distance_m,aoa_deg/' "$tmp/true-paths.csv" > "$tmp/bad.csv"
line=$(grep -n '^step,panel,distance_m,aoa_deg' "$tmp/bad.csv" | cut -d: -f1)
status=0
err=$("$bin/chain-controller" run --in-process "${set_[@]}" --trace "$tmp/bad.csv" --out "$tmp/bad" 2>&1) || status=$?
want="$tmp/bad.csv:$line: [paths]: column aoa_deg: unit 'deg' is not accepted (write aoa_rad)"
if [ $status -eq 2 ] && [[ $err == *"$want"* ]]; then pass "bad unit refused (exit 2): ${want#"$tmp/"}"
else fail "bad unit: exit $status, message: $err"; fi
# a panel gone quiet: no paths of panel 3 (its LoS visible throughout) at steps 10-29; it runs, and its LoS is declared absent in the gap
awk -F, 'BEGIN{p=0} /^\[paths\]/{p=1} { if (p && $1 ~ /^[0-9]+$/ && $2 == 3 && $1 >= 10 && $1 < 30) next; print }' \
  "$tmp/true-paths.csv" > "$tmp/gap.csv"
declared() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "los_detected_3") c = i; if (!c) { print -1; exit } }
                      NR > 1 && $2 >= 15 && $2 < 30 { if ($c == "1") n++ } END { if (c) print n + 0 }' "$tmp/$1/per_step.csv"; }
if run gap --in-process --trace "$tmp/gap.csv"; then
  before=$(declared synthetic) detected=$(declared gap)
  [ "$before" -ge 10 ] || fail "the test's premise: panel 3 declares its LoS at only $before of steps 15-29 without a gap"
  [ "$detected" -eq 0 ] && pass "gap trace runs; panel 3 declares no LoS at steps 15-29 (without the gap: at $before of 15)" \
    || fail "gap trace: panel 3 declares a LoS at $detected of steps 15-29 without any path"
  [ -s "$tmp/gap/existence.csv" ] || fail "no existence.csv"
fi
# a trace without truth ([agent] removed) runs, and its result folder plots (the error panels say there is no truth)
awk 'BEGIN{s=1} /^\[agent\]/{s=0; next} /^\[/{s=1} s' "$tmp/true-paths.csv" > "$tmp/no-truth.csv"
if run no-truth --in-process --trace "$tmp/no-truth.csv"; then
  "$bin/chain-controller" plot "$tmp/no-truth" >"$tmp/no-truth-plot.log" 2>&1 && [ -s "$tmp/no-truth/run.png" ] \
    && pass "trace without truth: runs and plots" || fail "plot of a run without truth: $(tail -3 "$tmp/no-truth-plot.log")"
fi
# commands that write the synthetic world refuse a trace configuration with a clear error, not a trap
for command in scenario export-trace; do
  status=0
  err=$("$bin/chain-controller" $command --set trace.file="$tmp/true-paths.csv" --out "$tmp/$command-out" 2>&1) || status=$?
  [ $status -eq 64 ] && [[ $err == *"writes the synthetic world: unset trace.file"* ]] \
    && pass "$command with trace.file refused (exit 64)" || fail "$command with trace.file: exit $status: $err"
done
[ $failures -eq 0 ] || { echo "trace-identity: $failures failure(s)"; exit 1; }
echo "trace-identity: all passed"

#!/usr/bin/env bash
# test.sh: README command 2 — set up, check the generated wire code, build, run every test (unit, process-level,
# multi-host where root) and the optional cross-checks against the reference folder (skipped, and counted as
# skipped, where it is absent). Closing line: "N passed, F failed, K skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
# the optional ray tracer (libllvm19 + sionna-rt into the venv, ~45 s the first time): scripts/tests/sionna-check.sh
# runs with it and skips without it
bash scripts/setup-sionna.sh >/dev/null 2>&1 \
  || echo "test: scripts/setup-sionna.sh could not set up Sionna RT: scripts/tests/sionna-check.sh will skip"
bash scripts/check-proto.sh
bash scripts/build.sh
echo "test: swift test (release build with testing enabled)"
set +e
swift test -c release -Xswiftc -enable-testing --skip-build 2>&1 | tee "${TMPDIR:-/tmp}/dmimo-swift-test.log" \
  | grep -vE '^(◇|↳|[[:space:]]*Test Suite|[[:space:]]*Executed 0 tests)'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then echo "test: swift test FAILED (exit $status)" >&2; exit "$status"; fi
swift_passed=$(grep -oE 'Test run with [0-9]+ tests' "${TMPDIR:-/tmp}/dmimo-swift-test.log" | grep -oE '[0-9]+' | tail -1)
# Script tests: exit 0 passed, 77 skipped (one line says what and why), anything else failed; all of them run.
scripts_passed=0; scripts_skipped=0; scripts_failed=0; failed_names=()
for extra in scripts/tests/*.sh; do
  [ -e "$extra" ] || continue
  echo "test: $extra"
  set +e
  bash "$extra"
  code=$?
  set -e
  case $code in
    0) scripts_passed=$((scripts_passed + 1)) ;;
    77) scripts_skipped=$((scripts_skipped + 1)); echo "test: $extra skipped" ;;
    *) scripts_failed=$((scripts_failed + 1)); failed_names+=("$extra"); echo "test: $extra FAILED (exit $code)" >&2 ;;
  esac
done
echo "test: done in $(( $(date +%s) - start )) s (swift tests: ${swift_passed:-?} passed; script tests: $scripts_passed passed, $scripts_failed failed, $scripts_skipped skipped${failed_names:+: failed ${failed_names[*]}})"
echo "$(( ${swift_passed:-0} + scripts_passed )) passed, $scripts_failed failed, $scripts_skipped skipped"
[ "$scripts_failed" -eq 0 ]

#!/usr/bin/env bash
# test.sh: README command 2 — set up, check the generated wire code, build, run every test (unit, process-level,
# multi-host where root), and the Python-oracle comparisons.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
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
scripts_passed=0
for extra in scripts/tests/*.sh; do
  [ -e "$extra" ] || continue
  echo "test: $extra"
  bash "$extra"
  scripts_passed=$((scripts_passed + 1))
done
echo "test: all passed in $(( $(date +%s) - start )) s (swift tests: ${swift_passed:-?}, script tests: $scripts_passed)"
echo "$(( ${swift_passed:-0} + scripts_passed )) passed, 0 failed"

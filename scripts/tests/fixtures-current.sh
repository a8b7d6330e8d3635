#!/usr/bin/env bash
# fixtures-current.sh (optional cross-check): the committed fixtures of Tests/Fixtures are exactly what the
# reference produces today (scripts/fixtures/regenerate.sh into a temporary folder, byte-compared).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/reference.sh
dm_reference_or_skip fixtures-current "regenerating the fixtures" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bash scripts/fixtures/regenerate.sh "$tmp" >/dev/null
status=0
for f in loca_scenario.json mpc_reference.json downlink_reference.md islands_reference.json panel_input_M6.bin; do
  if cmp -s "$tmp/$f" "Tests/Fixtures/$f"; then echo "fixtures-current: ok: $f is what the reference produces"
  else echo "fixtures-current: FAIL: Tests/Fixtures/$f differs from the reference's output (bash scripts/fixtures/regenerate.sh)"; status=1; fi
done
exit $status

#!/usr/bin/env bash
# verify.sh: `systemd-analyze verify` of the dmimo units, with /opt/dmimo/bin replaced by BIN (default: the release
# build) so the check that each ExecStart command exists passes on a development machine. Any message fails it.
#   deploy/systemd/verify.sh [BIN]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$(cd "$here/../.." && swift build -c release -Xswiftc -enable-testing --show-bin-path)}
command -v systemd-analyze >/dev/null || { echo "verify: systemd-analyze not installed (apt-get install systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in "$here"/*.service "$here"/*.target; do
  sed "s|/opt/dmimo/bin/|$bin/|g" "$unit" > "$tmp/$(basename "$unit")"
done
ln -s panel-node@.service "$tmp/panel-node@0.service"
ln -s panel-node@.service "$tmp/panel-node@17.service"
units=("$tmp/panel-node@0.service" "$tmp/panel-node@17.service" "$tmp/dmimo-downlink.service"
       "$tmp/chain-controller.service" "$tmp/dmimo-chain.target")
status=0
messages=$(cd "$tmp" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "${units[@]}" 2>&1) || status=$?
if [ $status -ne 0 ] || [ -n "$messages" ]; then
  echo "verify: FAILED (status $status)"; echo "$messages"; exit 1
fi
echo "verify: systemd-analyze verify $(systemd-analyze --version | head -1 | cut -d' ' -f1-2): ${#units[@]} units OK (${units[*]##*/})"

#!/usr/bin/env bash
# setup.sh: install what dmimo-chain needs on a Debian machine (libzmq, protobuf-c, Python oracle packages).
set -euo pipefail
packages=(libzmq3-dev libprotobuf-c-dev protobuf-c-compiler pkg-config iproute2)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ] || [ -n "${CI:-}" ]; then
  echo "setup: apt-get install ${packages[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi
# Python is only the oracle (numpy reference) and the plots
if ! python3 -c 'import numpy, scipy, matplotlib, yaml' >/dev/null 2>&1; then
  echo "setup: pip install numpy scipy matplotlib pyyaml" >&2
  python3 -m pip install -q numpy scipy matplotlib pyyaml 2>/dev/null \
    || python3 -m pip install -q --break-system-packages numpy scipy matplotlib pyyaml
fi
command -v swift >/dev/null || { echo "setup: swift (6.1 or later) is not on PATH" >&2; exit 1; }

#!/usr/bin/env bash
# setup.sh: install what dmimo-chain needs on a Debian machine: system libraries (apt-get) and the scripts' Python
# packages (requirements.txt) in a virtual environment, .venv beside this folder or $DMIMO_VENV.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
packages=(libzmq3-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler pkg-config iproute2 python3-venv)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift (6.1 or later) is not on PATH" >&2; exit 1; }

# Python: a virtual environment (never the system's site-packages), re-installed when requirements.txt changes
venv=${DMIMO_VENV:-$repo/.venv}
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$repo/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python3" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: Python virtual environment $venv (requirements.txt: $(grep -cvE '^(#|$)' "$repo/requirements.txt") packages)" >&2
  [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"   # the system Python (scripts/python would call this script again)
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$repo/requirements.txt"
  echo "$want" > "$stamp"
fi

#!/usr/bin/env bash
# setup-sionna.sh: the optional ray tracer for scripts/sionna_trace.py — libllvm19 (Dr.Jit's CPU backend; the default
# LLVM 14/15 fail with "Cannot select ... fmaximum") and requirements-sionna.txt (sionna-rt) in the project's virtual
# environment. scripts/setup.sh does not install them; this script does, once (re-run when requirements-sionna.txt changes).
# Prints the DRJIT_LIBLLVM_PATH to use (scripts/sionna_trace.py finds it by itself).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/setup.sh" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! dpkg -s libllvm19 >/dev/null 2>&1; then
  echo "setup-sionna: apt-get install libllvm19" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libllvm19 >/dev/null
fi
venv=${DMIMO_VENV:-$repo/.venv}
stamp="$venv/.requirements-sionna.sha256"
want=$(sha256sum "$repo/requirements-sionna.txt" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup-sionna: pip install -r requirements-sionna.txt into $venv" >&2
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$repo/requirements-sionna.txt"
  echo "$want" > "$stamp"
fi
llvm=$(dpkg -L libllvm19 | grep -E '/libLLVM\.so\.19\.1$' | head -1)
[ -n "$llvm" ] || { echo "setup-sionna: libLLVM.so.19.1 not found in libllvm19" >&2; exit 1; }
echo "DRJIT_LIBLLVM_PATH=$llvm"

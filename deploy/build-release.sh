#!/usr/bin/env bash
# build-release.sh: release binaries with the Swift runtime linked in (--static-swift-stdlib), so a host needs only
# glibc, libstdc++, libzmq and protobuf-c; packed with the deploy files into dist/dmimo-chain-<version>-<arch>.tar.gz.
#
#   deploy/build-release.sh [--no-strip] [--out DIR]
#
# Builds in .build/static-release (a scratch path of its own, so the test build in .build is left as it is),
# checks with ldd that no Swift runtime library (libswift*, libFoundation*, libdispatch, libBlocksRuntime,
# lib_FoundationICU) is needed, prints each binary's size and the shared libraries it does need.
# On the target: apt-get install libzmq5 libprotobuf-c1; tar -C /opt -xzf the tarball; /opt/dmimo/bin/….
set -euo pipefail
cd "$(dirname "$0")/.."
strip=1 out=dist
while [ $# -gt 0 ]; do
  case "$1" in
    --no-strip) strip=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-release.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
scratch=.build/static-release
# Binaries for other hosts: AVX2 lanes (any x86-64 CPU since Haswell), not the build host's AVX-512 (Package.swift);
# DMIMO_X86=native keeps the build host's choice, DMIMO_BASELINE_X86=1 builds for any x86-64 CPU.
export DMIMO_X86=${DMIMO_X86:-avx2}
products=(panel-node chain-controller dmimo-downlink)
echo "build-release: swift build -c release --static-swift-stdlib (scratch path $scratch)" >&2
bash scripts/lib/build-commit.sh
source scripts/lib/build-lock.sh
dm_build_lock swift build -c release --static-swift-stdlib --scratch-path "$scratch" >&2
bin=$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)
version=$("$bin/chain-controller" --version)
arch=$(uname -m)
name=dmimo-chain-$version-linux-$arch
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dmimo/bin" "$stage/dmimo/share/dmimo"
status=0
for p in "${products[@]}"; do
  cp "$bin/$p" "$stage/dmimo/bin/$p"
  [ $strip -eq 1 ] && strip "$stage/dmimo/bin/$p"
  swift_libs=$(ldd "$stage/dmimo/bin/$p" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime|FoundationICU' || true)
  if [ -n "$swift_libs" ]; then echo "build-release: $p still needs Swift runtime libraries:" >&2; echo "$swift_libs" >&2; status=1; fi
  if ldd "$stage/dmimo/bin/$p" | grep -q 'not found'; then echo "build-release: $p has unresolved libraries" >&2; status=1; fi
done
[ $status -eq 0 ] || exit 1
cp -r configs deploy "$stage/dmimo/share/dmimo/"
rm -f "$stage/dmimo/share/dmimo/deploy/build-release.sh"
git describe --always --dirty --abbrev=40 > "$stage/dmimo/share/dmimo/COMMIT" 2>/dev/null || true
mkdir -p "$out"
tar -C "$stage" -czf "$out/$name.tar.gz" dmimo
echo "build-release: $out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1)), dmimo $version, $(cat "$stage/dmimo/share/dmimo/COMMIT" 2>/dev/null | cut -c1-12)"
for p in "${products[@]}"; do
  printf '  %-17s %6.1f MiB (unstripped %6.1f MiB); NEEDED: %s\n' "$p" \
    "$(awk -v b="$(stat -c %s "$stage/dmimo/bin/$p")" 'BEGIN{print b/1048576}')" \
    "$(awk -v b="$(stat -c %s "$bin/$p")" 'BEGIN{print b/1048576}')" \
    "$(readelf -d "$stage/dmimo/bin/$p" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
done

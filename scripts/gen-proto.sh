#!/usr/bin/env bash
# gen-proto.sh: regenerate the protobuf-c code in Sources/DMIMOWireC from proto/dmimo.proto.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc-c >/dev/null || { echo "protoc-c not found: apt-get install protobuf-c-compiler" >&2; exit 1; }
out=Sources/DMIMOWireC
protoc-c --proto_path=proto --c_out="$out" proto/dmimo.proto
mv "$out/dmimo.pb-c.h" "$out/include/dmimo.pb-c.h"
# the generated .c includes "dmimo.pb-c.h", found through include/ (the target's public headers)
echo "generated $out/dmimo.pb-c.c and $out/include/dmimo.pb-c.h"

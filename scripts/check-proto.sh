#!/usr/bin/env bash
# check-proto.sh: regenerate the protobuf-c code into a temporary folder and fail if it differs from the committed one.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
protoc-c --proto_path=proto --c_out="$tmp" proto/dmimo.proto
status=0
diff -u Sources/DMIMOWireC/dmimo.pb-c.c "$tmp/dmimo.pb-c.c" || status=1
diff -u Sources/DMIMOWireC/include/dmimo.pb-c.h "$tmp/dmimo.pb-c.h" || status=1
if [ $status -ne 0 ]; then
  echo "check-proto: generated code is stale: run scripts/gen-proto.sh and commit" >&2
  exit 1
fi
echo "check-proto: generated protobuf-c code matches proto/dmimo.proto"

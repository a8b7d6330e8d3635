#!/usr/bin/env bash
# build.sh: release build of the three executables and the tests (testing enabled, so one build serves both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lib/build-commit.sh
swift build -c release -Xswiftc -enable-testing --build-tests "$@"

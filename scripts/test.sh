#!/usr/bin/env bash
# Runs the whole test suite: installs missing system packages, builds once
# (the tool and every test target), then runs the tests. CI calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"

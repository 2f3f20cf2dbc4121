#!/usr/bin/env bash
# Builds maestro-admin (release) and runs its main jobs on a demo data dir:
# today a copy of a data dir written by a real Maestro server.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release --product maestro-admin
bin=.build/release/maestro-admin
demo=$(mktemp -d /tmp/maestro-demo.XXXXXX)
cp -R Fixtures/samples/upstream-head/. "$demo/"
echo "== maestro-admin stats --data-dir $demo"
"$bin" stats --data-dir "$demo"
echo "== maestro-admin fmt --check $demo"
"$bin" fmt --check "$demo" && echo "all JSON files are canonical"

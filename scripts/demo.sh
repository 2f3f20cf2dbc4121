#!/usr/bin/env bash
# Builds maestro-admin (release) and runs its main jobs on a generated demo
# data dir: generate (with a few planted faults), stats, check, repair, check
# again, fmt --check.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build-release.sh
bin=.build/release/maestro-admin
work=$(mktemp -d /tmp/maestro-demo.XXXXXX)
demo="$work/data"
run() { echo; echo "== maestro-admin $*"; "$bin" "$@"; }
run generate --out "$demo" --scale s --seed 7 --inject link.session-only=2,session.task.dangling=2,file.truncated=1
run stats --data-dir "$demo"
run check --data-dir "$demo" || echo "(exit $?: findings left, as planted)"
run repair --data-dir "$demo" || echo "(exit $?)"
run check --data-dir "$demo"
run fmt --check "$demo" && echo "all JSON files are canonical"
echo; echo "demo data dir: $demo (planted faults: $demo.faults.json)"

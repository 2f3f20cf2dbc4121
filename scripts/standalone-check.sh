#!/usr/bin/env bash
# Proves the repository stands alone: clones the current commit into a fresh
# temporary folder with nothing beside it and runs the README's test command
# (./scripts/test.sh) there. Uncommitted changes are not part of the clone.
# Exits with the test command's status; the folder is removed afterwards
# (KEEP=1 keeps it). Extra arguments go to ./scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "standalone-check: note: uncommitted changes are not tested (the clone is of $commit)" >&2
fi
parent=$(mktemp -d "${TMPDIR:-/tmp}/maestro-standalone.XXXXXX")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "standalone-check: kept $parent" >&2; else rm -rf "$parent"; fi
}
trap cleanup EXIT
git clone --quiet --no-local "$PWD" "$parent/maestro-admin"
git -C "$parent/maestro-admin" checkout --quiet --detach "$commit"
# The clone must be alone in its folder: no sibling folder it could read.
others=$(ls -A "$parent" | grep -vx maestro-admin || true)
[ -z "$others" ] || { echo "standalone-check: $parent holds more than the clone: $others" >&2; exit 1; }
echo "standalone-check: testing $commit in $parent/maestro-admin" >&2
cd "$parent/maestro-admin"
start=$(date +%s)
status=0
./scripts/test.sh "$@" || status=$?
echo "standalone-check: ./scripts/test.sh exited $status after $(( $(date +%s) - start )) s in a clone with nothing beside it" >&2
exit "$status"

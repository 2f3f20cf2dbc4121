#!/usr/bin/env bash
# Builds the release binary, .build/release/maestro-admin, with the git
# commit it is built from recorded for `maestro-admin --version`.
#
# Package.swift reads the commit from $MAESTRO_ADMIN_COMMIT, else from
# SwiftPM's view of the git checkout. SwiftPM caches its evaluation of
# Package.swift and does not notice a new commit, but it does notice a
# changed environment: so this script sets the variable to the current
# commit ("-dirty" when tracked files have uncommitted changes).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MAESTRO_ADMIN_COMMIT:-}" ] && git rev-parse --verify -q HEAD >/dev/null 2>&1; then
  MAESTRO_ADMIN_COMMIT=$(git rev-parse HEAD)
  git diff --quiet HEAD -- 2>/dev/null || MAESTRO_ADMIN_COMMIT+="-dirty"
  export MAESTRO_ADMIN_COMMIT
fi
swift build -c release --product maestro-admin "$@"
echo "built .build/release/maestro-admin ($(.build/release/maestro-admin --version | sed -n 's/^commit: //p'))" >&2

#!/usr/bin/env bash
# Renames the folders whose names mislead a newcomer, and rewrites every path that names
# them; then type-checks. Idempotent: a second run moves and rewrites nothing.
#   lib/log      -> lib/ledger-store   (the ledger's storage and service, not logging)
#   lib/runtime  -> lib/server         (the composition root: start, console-server, ...)
#     and its utilities that lower layers import, to where they belong:
#     lib/runtime/bus.ts            -> lib/events/bus.ts
#     lib/runtime/city.ts           -> lib/city/current-city.ts
#     lib/runtime/secrets.ts        -> lib/secrets.ts
#     lib/runtime/simulator-keys.ts -> lib/sim/simulator-keys.ts
# docs/rename-notes.md says why, and holds the README architecture text to paste.
# Usage (from anywhere in the repository, on a clean tree):
#   scripts/dev/rename-folders.sh            move, rewrite, tsc
#   scripts/dev/rename-folders.sh --dry-run  say what would move
# Then: npx eslint --max-warnings=0 . && npx vitest run --project unit, and commit.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
node scripts/dev/rename-folders.mjs "$@"
if [[ " $* " == *" --dry-run "* ]]; then exit 0; fi
npx tsc --noEmit
echo "rename-folders: tsc clean"

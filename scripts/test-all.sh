#!/usr/bin/env bash
# Every test, in order of cost: types, lint, unit, integration, build, end-to-end in Chromium.
# Integration tests that need PostgreSQL or Mosquitto skip with a printed reason when those
# are absent, except under CI=true where their absence fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
step() { printf '\n=== %s ===\n' "$1"; }
step "typecheck"; npx tsc --noEmit
step "lint"; npx eslint --max-warnings=0 .
step "unit"; npx vitest run --project unit
step "integration"; npx vitest run --project integration
step "build"; npx next build
step "e2e (Chromium)"; npx playwright test

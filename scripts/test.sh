#!/usr/bin/env bash
# Runs every test: formatting, unit and integration tests per package, then the browser tests.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_build_tools
ensure_chromium

# A test run builds from a fresh checkout (CI clones anew each time): incremental state
# would only pile up on disk, once per checkout.
export CARGO_INCREMENTAL=0

say "checking formatting"
cargo fmt --all --check || fail "code is not formatted: run 'cargo fmt --all'"

# The server-side packages only: the whole workspace would give 'app' both ssr and hydrate.
say "unit and integration tests: vobiz, app (server side), server"
cargo test -p vobiz -p app -p server --features app/ssr

build_site
say "browser tests (Playwright, Chromium)"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
export PORTAL_BIN="$CARGO_TARGET_DIR/debug/server"
# A fresh database for the browser tests: the sandbox is fresh each run (same seed, same ids),
# so a database left from an earlier run would hold people and mirrors of another world.
export PORTAL_DATABASE_NAME="${PORTAL_DATABASE_NAME:-vobiz_portal_e2e}"
if command -v psql >/dev/null && psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$PORTAL_DATABASE_NAME\" WITH (FORCE)" >/dev/null
fi
E2E_DATA_DIR="$(mktemp -d)" npx playwright test -c end2end/playwright.config.ts
prune_stale_builds
say "all tests passed"
